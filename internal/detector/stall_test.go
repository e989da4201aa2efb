package detector

import (
	"testing"
	"time"
)

const ms = time.Millisecond

// stallFixture builds a detector with every kind of deadline pending:
//
//	probe 1: Direct, retried, deadline 400ms
//	probe 2: Direct, not retried: retryAt 450ms, deadline 650ms
//	probe 3: Relay, deadline 650ms
//	suspicion 4: pinged at 250ms: next ping 350ms, confirm 650ms, verdict 24.25s
//
// so the earliest deadline is 350ms.
func stallFixture(t *testing.T) *Detector {
	t.Helper()
	d := newTest()
	d.Probe(Direct, 1, addr(1), 1, 100, t0)
	stepOne(t, d, at(200*ms), ActRetry, 1)
	d.Probe(Direct, 2, addr(2), 1, 200, at(250*ms))
	d.Relay(3, addr(3), 300, addr(30), 333, at(250*ms))
	d.Suspect(4, addr(4), 1, 9, members10, at(250*ms))
	stepOne(t, d, at(250*ms), ActPing, 4)
	stepNone(t, d, at(250*ms))
	mustNext(t, d, at(350*ms))
	return d
}

func TestStallDecidesNothingAndPushesEveryDeadlinePastIt(t *testing.T) {
	d := stallFixture(t)
	// 650ms after the earliest deadline (350ms): a stall. Every deadline
	// moves by 650ms + the slack of 200ms.
	now := at(time.Second)
	stepNone(t, d, now)
	const shift = 850 * ms
	if s := d.Stats(); s.Stalls != 1 {
		t.Errorf("Stalls = %d, want 1", s.Stalls)
	}
	if d.Health() != 1 {
		t.Errorf("Health() = %d, want 1: a node that stalls once may stall again", d.Health())
	}
	for _, want := range []struct {
		target   uint64
		retryAt  time.Duration // 0: not checked (retried, or a relay)
		deadline time.Duration
	}{
		{1, 0, 400*ms + shift},
		{2, 450*ms + shift, 650*ms + shift},
		{3, 0, 650*ms + shift},
	} {
		i := -1
		for j := range d.probes {
			if d.probes[j].target == want.target {
				i = j
			}
		}
		if i < 0 {
			t.Fatalf("probe %d dropped by the stall", want.target)
		}
		p := d.probes[i]
		if !p.deadline.Equal(at(want.deadline)) {
			t.Errorf("probe %d: deadline %v, want %v", want.target, p.deadline.Sub(t0), want.deadline)
		}
		if want.retryAt != 0 && !p.retryAt.Equal(at(want.retryAt)) {
			t.Errorf("probe %d: retryAt %v, want %v", want.target, p.retryAt.Sub(t0), want.retryAt)
		}
	}
	s := d.suspects[4]
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{
		{"start", s.start, at(250*ms + shift)},
		{"nextPing", s.nextPing, at(350*ms + shift)},
		{"confirmAt", s.confirmAt, at(650*ms + shift)},
		{"deadline", s.deadline, at(24250*ms + shift)},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("suspicion: %s %v, want %v", c.name, c.got.Sub(t0), c.want.Sub(t0))
		}
	}
	// Nothing fires before the slack has passed: the answers that came in
	// during the stall are read first.
	mustNext(t, d, now.Add(half))
	for at := now; at.Before(now.Add(half)); at = at.Add(10 * ms) {
		stepNone(t, d, at)
	}
	if _, _, _, _, ok := d.Acked(100, addr(1)); !ok {
		t.Fatal("the Ack read after the stall did not match")
	}
	// Then the schedule resumes in its old order, shifted, with no
	// further stall.
	stepOne(t, d, at(350*ms+shift), ActPing, 4)
	stepOne(t, d, at(450*ms+shift), ActRetry, 2) // probes come first
	stepOne(t, d, at(450*ms+shift), ActPing, 4)
	stepOne(t, d, at(550*ms+shift), ActPing, 4)
	acts := drain(d, at(650*ms+shift))
	var kinds []ActionKind
	for _, a := range acts {
		kinds = append(kinds, a.Kind)
	}
	if len(kinds) != 4 || kinds[0] != ActIndirect || kinds[1] != ActNack || kinds[2] != ActConfirm || kinds[3] != ActPing {
		t.Errorf("at 650ms+shift: %v, want ActIndirect 2, ActNack 3, ActConfirm 4, ActPing 4", acts)
	}
	if d.Stats().Stalls != 1 {
		t.Errorf("Stalls = %d, want 1", d.Stats().Stalls)
	}
}

// Later confirmations are timed from the shifted start: the stall is not
// counted against the suspect.
func TestStallShiftsTheSuspicionsStart(t *testing.T) {
	d := newTest()
	d.Suspect(4, addr(4), 1, 9, members10, t0)
	stepOne(t, d, t0, ActPing, 4)
	stepNone(t, d, at(time.Second)) // stall: shift = 900ms + 200ms
	setHealth(d, 0)
	d.Suspect(4, addr(4), 1, 10, members10, at(time.Second))
	if got, want := d.suspects[4].deadline, at(1100*ms+14*time.Second); !got.Equal(want) {
		t.Errorf("deadline %v, want %v", got.Sub(t0), want.Sub(t0))
	}
}

func TestStepOnTimeIsNotAStall(t *testing.T) {
	for _, late := range []time.Duration{0, time.Nanosecond, 100 * ms, half} {
		d := stallFixture(t)
		if len(drain(d, at(350*ms+late))) == 0 {
			t.Errorf("Step %v after the earliest deadline: nothing decided", late)
		}
		if s := d.Stats(); s.Stalls != 0 || d.Health() != 0 {
			t.Errorf("Step %v after the earliest deadline: Stalls = %d, health %d; want 0, 0", late, s.Stalls, d.Health())
		}
	}
}

func TestStepJustPastTheSlackIsAStall(t *testing.T) {
	d := stallFixture(t)
	stepNone(t, d, at(350*ms+half+time.Nanosecond))
	if d.Stats().Stalls != 1 {
		t.Errorf("Stalls = %d, want 1", d.Stats().Stalls)
	}
	mustNext(t, d, at(350*ms+half+time.Nanosecond+half))
}

// The slack is half the configured ProbeTimeout, whatever the health:
// it measures the loop's lateness, not the network's.
func TestStallSlackIsNotScaledByHealth(t *testing.T) {
	d := newTest()
	setHealth(d, 3)
	d.Relay(3, addr(3), 300, addr(30), 333, t0) // deadline 1.6s
	stepNone(t, d, at(1600*ms+half+time.Nanosecond))
	if d.Stats().Stalls != 1 {
		t.Errorf("Stalls = %d, want 1", d.Stats().Stalls)
	}
}

func TestIdleDetectorNeverStalls(t *testing.T) {
	d := newTest()
	stepNone(t, d, t0)
	stepNone(t, d, at(time.Hour))
	if d.Stats().Stalls != 0 || d.Health() != 0 {
		t.Errorf("Stalls = %d, health %d with nothing tracked", d.Stats().Stalls, d.Health())
	}
}

func TestEveryStallCountsAndRaisesHealth(t *testing.T) {
	d := newTest()
	d.Suspect(4, addr(4), 1, 9, members10, t0)
	now := t0
	for i := range 10 {
		next, _ := d.Next()
		now = next.Add(time.Second)
		stepNone(t, d, now)
		if got := d.Stats().Stalls; got != uint64(i+1) {
			t.Fatalf("Stalls = %d, want %d", got, i+1)
		}
		if want := min(i+1, 8); d.Health() != want {
			t.Fatalf("after %d stalls: Health() = %d, want %d", i+1, d.Health(), want)
		}
	}
	if d.Suspicions() != 1 {
		t.Error("a stall declared the suspect")
	}
}
