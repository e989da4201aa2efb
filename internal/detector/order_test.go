package detector

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Suspicions that fall due at the same instant come out of Step in id
// order, whatever order they were raised in and however the map
// iterates: a run is the same run for the same inputs.
func TestSimultaneousSuspicionsStepInAFixedOrder(t *testing.T) {
	ids := make([]uint64, 20)
	for i := range ids {
		ids[i] = uint64(1000 - 37*i)
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	rng := rand.New(rand.NewPCG(5, 6))

	var first []Action
	for runNo := range 40 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		cfg := testConfig()
		cfg.TickInterval = 100 * ms // verdicts at 2.4s
		d := New(cfg)
		for _, id := range ids {
			d.Suspect(id, addr(int(id)), 1, 1, members10, t0)
		}
		var all []Action
		var declared, firstPings []uint64
		for now := time.Duration(0); now <= 2400*ms; now += pt / 4 {
			for _, a := range drain(d, at(now)) {
				all = append(all, a)
				if a.Kind == ActDeclare {
					declared = append(declared, a.Target)
				}
				if now == 0 {
					firstPings = append(firstPings, a.Target)
				}
			}
		}
		if !slices.Equal(firstPings, sorted) {
			t.Fatalf("run %d: first pings %v, want id order %v", runNo, firstPings, sorted)
		}
		if !slices.Equal(declared, sorted) {
			t.Fatalf("run %d: verdicts %v, want id order %v", runNo, declared, sorted)
		}
		if runNo == 0 {
			first = all
			continue
		}
		if !slices.Equal(all, first) {
			t.Fatalf("run %d: %d actions differ from the first run's %d", runNo, len(all), len(first))
		}
	}
}

// Of the suspicions due, the one due earliest comes first, whatever its id.
func TestEarliestDueSuspicionStepsFirst(t *testing.T) {
	for range 20 {
		d := newTest()
		d.Suspect(9, addr(9), 1, 1, members10, t0)
		d.Suspect(1, addr(1), 1, 1, members10, at(ms))
		d.Suspect(5, addr(5), 1, 1, members10, at(ms))
		stepOne(t, d, at(ms), ActPing, 9)
		stepOne(t, d, at(ms), ActPing, 1)
		stepOne(t, d, at(ms), ActPing, 5)
		stepNone(t, d, at(ms))
	}
}

// Within one suspicion, a due verdict comes before a due confirmation,
// and a due confirmation before a due ping.
func TestVerdictBeforeConfirmationBeforePing(t *testing.T) {
	cfg := testConfig()
	cfg.TickInterval = 100 * ms
	cfg.SuspicionMaxMult = 1 // every timeout 400ms: verdict, confirmation and a ping all due at 400ms
	d := New(cfg)
	d.Suspect(7, addr(7), 1, 1, members10, t0)
	for now := time.Duration(0); now < pt; now += pt / 4 {
		stepOne(t, d, at(now), ActPing, 7)
	}
	stepOne(t, d, at(pt), ActDeclare, 7)
	stepNone(t, d, at(pt))

	d = newTest()
	d.Suspect(7, addr(7), 1, 1, members10, t0)
	for now := time.Duration(0); now < pt; now += pt / 4 {
		stepOne(t, d, at(now), ActPing, 7)
	}
	stepOne(t, d, at(pt), ActConfirm, 7)
	stepOne(t, d, at(pt), ActPing, 7)
	stepNone(t, d, at(pt))
}

// Probes due at the same instant step in the order they were started.
func TestSimultaneousProbesStepInTheOrderStarted(t *testing.T) {
	d := newTest()
	for _, id := range []uint64{30, 10, 20} {
		d.Probe(Direct, id, addr(int(id)), 1, uint32(id), t0)
	}
	for _, id := range []uint64{30, 10, 20} {
		stepOne(t, d, at(half), ActRetry, id)
	}
	stepNone(t, d, at(half))
}
