package detector

import (
	"net/netip"
	"testing"
	"time"
)

const (
	pt   = testProbeTimeout
	half = testProbeTimeout / 2
)

func TestAckedEndsDirectProbeAndLowersHealth(t *testing.T) {
	d := newTest()
	setHealth(d, 2)
	if !d.Probe(Direct, 7, addr(7), 3, 100, t0) {
		t.Fatal("Probe: not tracked")
	}
	if !d.Probing(7) {
		t.Fatal("Probing(7) = false after Probe")
	}
	kind, requester, requestSeq, target, ok := d.Acked(100, addr(7))
	if !ok || kind != Direct || target != 7 || requester.IsValid() || requestSeq != 0 {
		t.Fatalf("Acked = %v, %v, %d, %d, %v; want Direct, -, 0, 7, true", kind, requester, requestSeq, target, ok)
	}
	if d.Probing(7) {
		t.Error("Probing(7) = true after its Ack")
	}
	if got := d.Health(); got != 1 {
		t.Errorf("Health() = %d after an answered probe, want 1", got)
	}
	if _, ok := d.Next(); ok {
		t.Error("Next() reports a deadline with nothing tracked")
	}
	stepNone(t, d, at(10*pt))
	if s := d.Stats(); s.Probes != 1 || s.ProbeTimeouts != 0 {
		t.Errorf("Stats = %+v, want 1 probe, no timeout", s)
	}
}

func TestAckedMatchesBySeqAndAddressOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  uint32
		from netip.AddrPort
		ok   bool
	}{
		{"right seq and address", 100, addr(7), true},
		{"wrong seq", 101, addr(7), false},
		{"wrong address", 100, addr(8), false},
		{"right address, other port", 100, netip.AddrPortFrom(addr(7).Addr(), 1), false},
		{"both wrong", 5, addr(9), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newTest()
			d.Probe(Direct, 7, addr(7), 3, 100, t0)
			_, _, _, _, ok := d.Acked(tc.seq, tc.from)
			if ok != tc.ok {
				t.Fatalf("Acked(%d, %v) = %v, want %v", tc.seq, tc.from, ok, tc.ok)
			}
			if d.Probing(7) == tc.ok {
				t.Errorf("Probing(7) = %v after Acked = %v", d.Probing(7), ok)
			}
			if !tc.ok {
				// An Ack that matched nothing changes nothing.
				stepOne(t, d, at(half), ActRetry, 7)
			}
		})
	}
}

func TestAckedWithoutProbesIsIgnored(t *testing.T) {
	d := newTest()
	setHealth(d, 1)
	if _, _, _, _, ok := d.Acked(1, addr(1)); ok {
		t.Fatal("Acked matched with nothing tracked")
	}
	if d.Health() != 1 {
		t.Errorf("Health() = %d, want 1: an unmatched Ack is no evidence", d.Health())
	}
}

func TestUnansweredProbeRetriesOnceThenIndirectThenSuspect(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	mustNext(t, d, at(half))
	stepNone(t, d, at(half-1))

	a := stepOne(t, d, at(half), ActRetry, 7)
	if a.Addr != addr(7) || a.Inc != 3 {
		t.Errorf("ActRetry = %+v, want addr %v inc 3", a, addr(7))
	}
	stepNone(t, d, at(half))
	mustNext(t, d, at(pt))
	stepNone(t, d, at(pt-1))

	a = stepOne(t, d, at(pt), ActIndirect, 7)
	if a.Addr != addr(7) || a.Inc != 3 {
		t.Errorf("ActIndirect = %+v, want addr %v inc 3", a, addr(7))
	}
	if !d.Probing(7) {
		t.Error("Probing(7) = false in the indirect phase")
	}
	stepNone(t, d, at(pt))
	mustNext(t, d, at(2*pt))
	for now := at(pt); now.Before(at(2 * pt)); now = now.Add(10 * time.Millisecond) {
		stepNone(t, d, now)
	}

	a = stepOne(t, d, at(2*pt), ActSuspect, 7)
	if a.Addr != addr(7) || a.Inc != 3 {
		t.Errorf("ActSuspect = %+v, want addr %v inc 3", a, addr(7))
	}
	if d.Probing(7) {
		t.Error("Probing(7) = true after ActSuspect")
	}
	stepNone(t, d, at(2*pt))
	if _, ok := d.Next(); ok {
		t.Error("Next() reports a deadline after the probe ended")
	}
	if s := d.Stats(); s.Probes != 1 || s.ProbeTimeouts != 1 {
		t.Errorf("Stats = %+v, want 1 probe, 1 timeout", s)
	}
}

// A Step that comes exactly at the timeout, with the early retry not yet
// handed out, escalates; the ActIndirect carries the direct retry, so no
// ActRetry follows it.
func TestIndirectWithoutEarlyRetryDoesNotRetryAfterwards(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	stepOne(t, d, at(pt), ActIndirect, 7)
	if acts := drain(d, at(pt)); len(acts) != 0 {
		t.Fatalf("after ActIndirect at the timeout: %v %+v, want nothing", kindName(acts[0].Kind), acts)
	}
	mustNext(t, d, at(2*pt))
	stepOne(t, d, at(2*pt), ActSuspect, 7)
}

func TestRetrySeqAnswersTheProbe(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	stepOne(t, d, at(half), ActRetry, 7)
	d.Retry(Direct, 7, 101)
	if _, _, _, target, ok := d.Acked(101, addr(7)); !ok || target != 7 {
		t.Fatalf("Acked(retry seq) = %d, %v; want 7, true", target, ok)
	}
	if _, _, _, _, ok := d.Acked(100, addr(7)); ok {
		t.Error("the first seq still matched after the probe ended")
	}
}

func TestEverySeqOfTheProbeAnswersIt(t *testing.T) {
	for _, seq := range []uint32{100, 101, 102} {
		d := newTest()
		d.Probe(Direct, 7, addr(7), 3, 100, t0)
		d.Retry(Direct, 7, 101)
		d.Probe(Direct, 7, addr(7), 3, 102, at(time.Millisecond)) // a probe of a probed target adds its seq
		if _, _, _, _, ok := d.Acked(seq, addr(7)); !ok {
			t.Errorf("Acked(%d) did not match", seq)
		}
	}
}

func TestRetryKeepsAtMostThreeSeqs(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	d.Retry(Direct, 7, 101)
	d.Retry(Direct, 7, 102)
	d.Retry(Direct, 7, 103) // beyond maxSeqs: dropped
	if _, _, _, _, ok := d.Acked(103, addr(7)); ok {
		t.Error("a fourth seq was tracked")
	}
	if _, _, _, _, ok := d.Acked(102, addr(7)); !ok {
		t.Error("the third seq was not tracked")
	}
}

func TestRetryOfUnknownProbeDoesNothing(t *testing.T) {
	d := newTest()
	d.Retry(Direct, 7, 101)
	d.Request(7, addr(50), 1)
	if _, ok := d.Next(); ok || d.Probing(7) {
		t.Error("Retry or Request without a probe started one")
	}
	if d.Stats().IndirectRequested != 0 {
		t.Error("Request without a probe was counted")
	}
}

func TestProbeOfProbedTargetKeepsItsDeadlines(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	if !d.Probe(Direct, 7, addr(7), 3, 101, at(half/2)) {
		t.Fatal("second Probe not tracked")
	}
	mustNext(t, d, at(half))
	if d.Stats().Probes != 1 {
		t.Errorf("Probes = %d, want 1: the second Probe only added a seq", d.Stats().Probes)
	}
}

// indirect returns a detector whose probe of 7 (addr(7), inc 3) is in its
// indirect phase since pt, with the given relays asked with seqs 200,
// 201, ...
func indirect(t *testing.T, relays int) *Detector {
	t.Helper()
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	stepOne(t, d, at(half), ActRetry, 7)
	stepOne(t, d, at(pt), ActIndirect, 7)
	d.Retry(Direct, 7, 101)
	for j := range relays {
		d.Request(7, addr(50+j), uint32(200+j))
	}
	return d
}

func TestPositiveResultEndsTheProbe(t *testing.T) {
	d := indirect(t, 3)
	setHealth(d, 3)
	if !d.Result(addr(51), 201, 7, true) {
		t.Fatal("Result from a relay asked did not match")
	}
	if d.Probing(7) {
		t.Error("Probing(7) after a positive Result")
	}
	if d.Health() != 2 {
		t.Errorf("Health() = %d, want 2: the probe was answered", d.Health())
	}
	stepNone(t, d, at(2*pt))
	if s := d.Stats(); s.IndirectRequested != 3 || s.IndirectReached != 1 || s.IndirectNacks != 0 {
		t.Errorf("Stats = %+v, want 3 requested, 1 reached", s)
	}
}

func TestNegativeResultIsCountedAndTheProbeContinues(t *testing.T) {
	d := indirect(t, 3)
	if !d.Result(addr(50), 200, 7, false) {
		t.Fatal("negative Result did not match")
	}
	if !d.Probing(7) {
		t.Fatal("a negative Result ended the probe")
	}
	if d.Stats().IndirectNacks != 1 {
		t.Errorf("IndirectNacks = %d, want 1", d.Stats().IndirectNacks)
	}
	// A later Ack or positive Result still ends it.
	if !d.Result(addr(52), 202, 7, true) || d.Probing(7) {
		t.Error("a positive Result after a negative one did not end the probe")
	}
}

func TestResultThatMatchesNoRequestIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name    string
		relay   netip.AddrPort
		seq     uint32
		target  uint64
		reached bool
	}{
		{"wrong relay", addr(60), 200, 7, true},
		{"relay asked under another seq", addr(51), 200, 7, true},
		{"wrong seq", addr(50), 299, 7, true},
		{"wrong target", addr(50), 200, 8, true},
		{"wrong relay, negative", addr(60), 200, 7, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := indirect(t, 2)
			if d.Result(tc.relay, tc.seq, tc.target, tc.reached) {
				t.Fatal("Result matched")
			}
			if !d.Probing(7) {
				t.Fatal("an unmatched Result ended the probe")
			}
			if s := d.Stats(); s.IndirectReached != 0 || s.IndirectNacks != 0 {
				t.Errorf("Stats = %+v: an unmatched Result was counted", s)
			}
			// Both relays still count as silent.
			stepOne(t, d, at(2*pt), ActSuspect, 7)
			if d.Health() != 2 {
				t.Errorf("Health() = %d, want 2", d.Health())
			}
		})
	}
}

func TestResultCountsOncePerRequest(t *testing.T) {
	d := indirect(t, 2)
	if !d.Result(addr(50), 200, 7, false) {
		t.Fatal("first Result did not match")
	}
	if d.Result(addr(50), 200, 7, false) {
		t.Error("a duplicate Result matched again")
	}
	if d.Stats().IndirectNacks != 1 {
		t.Errorf("IndirectNacks = %d, want 1", d.Stats().IndirectNacks)
	}
}

func TestResultBeforeAnyRequestIsIgnored(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	if d.Result(addr(50), 200, 7, true) || !d.Probing(7) {
		t.Error("a Result without a request matched")
	}
	if d.Result(addr(50), 200, 9, true) {
		t.Error("a Result about a target never probed matched")
	}
}

func TestRequestKeepsAtMostEight(t *testing.T) {
	d := indirect(t, 10)
	if got := d.Stats().IndirectRequested; got != maxRequests {
		t.Errorf("IndirectRequested = %d, want %d", got, maxRequests)
	}
	if d.Result(addr(58), 208, 7, true) {
		t.Error("the ninth request was tracked")
	}
}

// When the probe ends unanswered, every relay that sent no result at all
// counts against this node's health: the lost answers point at its own
// links. Nacks prove the links work; with nobody to ask, the failed
// probe itself counts once.
func TestSuspectRaisesHealthByTheSilentRelays(t *testing.T) {
	for _, tc := range []struct {
		name   string
		relays int
		nacks  int
		start  int
		want   int
	}{
		{"no relay asked", 0, 0, 0, 1},
		{"every relay nacked", 3, 3, 0, 0},
		{"one of three nacked", 3, 1, 0, 2},
		{"no relay answered", 3, 0, 0, 3},
		{"bounded by MaxHealth", 8, 0, 4, 8},
		{"on top of the current score", 2, 1, 5, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := indirect(t, tc.relays)
			setHealth(d, tc.start)
			for j := range tc.nacks {
				if !d.Result(addr(50+j), uint32(200+j), 7, false) {
					t.Fatalf("nack %d did not match", j)
				}
			}
			stepOne(t, d, at(2*pt), ActSuspect, 7)
			if got := d.Health(); got != tc.want {
				t.Errorf("Health() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRelayAckedReturnsTheRequester(t *testing.T) {
	d := newTest()
	setHealth(d, 2)
	requester := addr(30)
	if !d.Relay(7, addr(7), 100, requester, 555, t0) {
		t.Fatal("Relay refused")
	}
	if d.Probing(7) {
		t.Error("Probing(7) reports a relay as this node's own probe")
	}
	kind, gotReq, reqSeq, target, ok := d.Acked(100, addr(7))
	if !ok || kind != Relay || gotReq != requester || reqSeq != 555 || target != 7 {
		t.Fatalf("Acked = %v, %v, %d, %d, %v; want Relay, %v, 555, 7, true", kind, gotReq, reqSeq, target, ok, requester)
	}
	if d.Health() != 2 {
		t.Errorf("Health() = %d, want 2: a relay's answer says nothing of this node", d.Health())
	}
	stepNone(t, d, at(10*pt))
	if s := d.Stats(); s.Relayed != 1 || s.Probes != 0 {
		t.Errorf("Stats = %+v, want 1 relayed, 0 probes", s)
	}
}

func TestUnansweredRelayNacksAtTheTimeout(t *testing.T) {
	d := newTest()
	d.Relay(7, addr(7), 100, addr(30), 555, t0)
	mustNext(t, d, at(pt))
	stepNone(t, d, at(half)) // no early retry for a relay
	stepNone(t, d, at(pt-1))
	a := stepOne(t, d, at(pt), ActNack, 7)
	if a.Addr != addr(7) || a.Requester != addr(30) || a.RequestSeq != 555 {
		t.Errorf("ActNack = %+v, want addr %v, requester %v, request seq 555", a, addr(7), addr(30))
	}
	stepNone(t, d, at(pt))
	if _, ok := d.Next(); ok {
		t.Error("Next() reports a deadline after the relay ended")
	}
	if d.Health() != 0 {
		t.Errorf("Health() = %d, want 0", d.Health())
	}
}

func TestRelayRefusedWhenFull(t *testing.T) {
	for _, fill := range []ProbeKind{Direct, Relay} {
		cfg := testConfig()
		cfg.MaxProbes = 3
		d := New(cfg)
		for i := range 3 {
			id := uint64(10 + i)
			if fill == Direct {
				d.Probe(Direct, id, addr(int(id)), 1, uint32(id), t0)
			} else {
				d.Relay(id, addr(int(id)), uint32(id), addr(30), uint32(id), t0)
			}
		}
		if d.Relay(7, addr(7), 100, addr(30), 555, t0) {
			t.Errorf("full of %v probes: Relay accepted", fill)
		}
		if _, _, _, _, ok := d.Acked(100, addr(7)); ok {
			t.Errorf("full of %v probes: the refused relay is tracked", fill)
		}
		for i := range 3 {
			id := uint64(10 + i)
			if _, _, _, _, ok := d.Acked(uint32(id), addr(int(id))); !ok {
				t.Errorf("full of %v probes: probe %d was dropped for a relay", fill, id)
			}
		}
		if s := d.Stats(); s.RelayDropped != 1 {
			t.Errorf("full of %v probes: RelayDropped = %d, want 1", fill, s.RelayDropped)
		}
	}
}

func TestDirectProbeDropsTheOldestRelayNeverADirect(t *testing.T) {
	cfg := testConfig()
	cfg.MaxProbes = 4
	d := New(cfg)
	d.Probe(Direct, 1, addr(1), 1, 1, t0)
	d.Relay(2, addr(2), 2, addr(30), 20, t0)
	d.Relay(3, addr(3), 3, addr(30), 30, t0)
	d.Probe(Direct, 4, addr(4), 1, 4, t0)

	if !d.Probe(Direct, 5, addr(5), 1, 5, t0) {
		t.Fatal("full with relays: Probe refused")
	}
	if _, _, _, _, ok := d.Acked(2, addr(2)); ok {
		t.Error("the oldest relay survived")
	}
	if !d.Probe(Direct, 6, addr(6), 1, 6, t0) {
		t.Fatal("full with one relay: Probe refused")
	}
	if _, _, _, _, ok := d.Acked(3, addr(3)); ok {
		t.Error("the second relay survived")
	}
	// Now full of Directs: nothing can be dropped.
	if d.Probe(Direct, 7, addr(7), 1, 7, t0) {
		t.Error("full of Directs: Probe accepted")
	}
	for _, id := range []int{1, 4, 5, 6} {
		if !d.Probing(uint64(id)) {
			t.Errorf("Direct probe of %d was dropped", id)
		}
	}
	if d.Probing(7) {
		t.Error("the refused probe is tracked")
	}
	if got := d.Stats().Probes; got != 4 {
		t.Errorf("Probes = %d, want 4: the refused probe is not counted", got)
	}
}

func TestForgetDropsProbesButNotRelays(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	d.Relay(7, addr(7), 101, addr(30), 555, t0)
	d.Suspect(7, addr(7), 3, 9, 10, t0)
	d.Probe(Direct, 8, addr(8), 1, 102, t0)
	d.Forget(7)
	if d.Probing(7) {
		t.Error("the Direct probe of 7 survived Forget")
	}
	if _, ok := d.Suspected(7); ok {
		t.Error("the suspicion of 7 survived Forget")
	}
	if !d.Probing(8) {
		t.Error("Forget(7) dropped the probe of 8")
	}
	if kind, _, _, _, ok := d.Acked(101, addr(7)); !ok || kind != Relay {
		t.Error("Forget dropped the relay: its requester is still owed an answer")
	}
	if d.Stats().Cleared != 1 {
		t.Errorf("Cleared = %d, want 1", d.Stats().Cleared)
	}
}

func TestResetDropsEverything(t *testing.T) {
	d := newTest()
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	d.Relay(8, addr(8), 101, addr(30), 555, t0)
	d.Suspect(9, addr(9), 3, 1, 10, t0)
	d.Reset()
	if _, ok := d.Next(); ok || d.Suspicions() != 0 || d.Probing(7) {
		t.Error("state survived Reset")
	}
	stepNone(t, d, at(time.Hour))
}
