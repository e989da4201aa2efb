package detector

import (
	"testing"
	"time"
)

// The steady path (probes started, answered and timed out; suspicions
// pinged; datagrams checked against the suspects) allocates nothing. Only
// a new suspicion does.
func TestSteadyPathAllocatesNothing(t *testing.T) {
	d := newTest()
	d.Suspect(1000, addr(1000), 1, 1, 10000, t0) // verdicts after 96s
	d.Suspect(1001, addr(1001), 1, 1, 10000, t0)
	now := t0
	seq := uint32(0)
	id := uint64(0)

	// Each run probes a member and relays a probe, Steps every 10ms
	// (pinging the suspects, timing the relays out) and answers the
	// probe, but for one in ten, which escalates to a suspect.
	steady := func() {
		seq++
		id = id%50 + 1
		d.Probe(Direct, id, addr(int(id)), 1, seq, now)
		d.Relay(id+100, addr(int(id+100)), seq+1<<20, addr(30), seq, now)
		for range 5 {
			now = now.Add(10 * time.Millisecond)
			for {
				if _, ok := d.Step(now); !ok {
					break
				}
			}
		}
		if seq%10 != 0 {
			d.Acked(seq, addr(int(id)))
		}
		d.HeardFrom(addr(2000))
		d.Next()
	}
	if n := testing.AllocsPerRun(500, steady); n != 0 {
		t.Errorf("steady path: %v allocations per run, want 0", n)
	}
	if d.Suspicions() != 2 {
		t.Fatalf("the suspicions ended: %d left", d.Suspicions())
	}
	if s := d.Stats(); s.ProbeTimeouts == 0 || s.Relayed == 0 || s.Probes == 0 {
		t.Fatalf("Stats = %+v: the steady path was not exercised", s)
	}

	if n := testing.AllocsPerRun(100, func() {
		d.Step(now)
		d.Acked(12345, addr(1))
	}); n != 0 {
		t.Errorf("Step, Acked with nothing due: %v allocations per run, want 0", n)
	}

	idle := newTest()
	if n := testing.AllocsPerRun(100, func() {
		idle.HeardFrom(addr(1))
		idle.Step(now)
		idle.Acked(1, addr(1))
	}); n != 0 {
		t.Errorf("idle detector: %v allocations per run, want 0", n)
	}
}

// Ending a suspicion by hearing from the suspect allocates nothing.
func TestHeardFromAllocatesNothing(t *testing.T) {
	d := newTest()
	const runs = 50
	for i := range runs + 1 {
		d.Suspect(uint64(i+1), addr(i+1), 1, 1, members10, t0)
	}
	i := 0
	if n := testing.AllocsPerRun(runs, func() {
		i++
		if _, _, _, ok := d.HeardFrom(addr(i)); !ok {
			panic("no match")
		}
	}); n != 0 {
		t.Errorf("HeardFrom: %v allocations per run, want 0", n)
	}
}
