package detector

import (
	"testing"
	"time"
)

func TestNextIsTheEarliestDueEvent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, d *Detector)
		want  time.Duration
	}{
		{"a new probe: its early retry", func(t *testing.T, d *Detector) {
			d.Probe(Direct, 7, addr(7), 1, 1, t0)
		}, half},
		{"a retried probe: its timeout", func(t *testing.T, d *Detector) {
			d.Probe(Direct, 7, addr(7), 1, 1, t0)
			stepOne(t, d, at(half), ActRetry, 7)
		}, pt},
		{"an indirect probe: its second timeout", func(t *testing.T, d *Detector) {
			d.Probe(Direct, 7, addr(7), 1, 1, t0)
			stepOne(t, d, at(half), ActRetry, 7)
			stepOne(t, d, at(pt), ActIndirect, 7)
		}, 2 * pt},
		{"a relay: its timeout", func(t *testing.T, d *Detector) {
			d.Relay(7, addr(7), 1, addr(30), 2, t0)
		}, pt},
		{"a new suspicion: its first ping, now", func(t *testing.T, d *Detector) {
			d.Suspect(7, addr(7), 1, 1, members10, at(ms))
		}, ms},
		{"a pinged suspicion: its next ping", func(t *testing.T, d *Detector) {
			d.Suspect(7, addr(7), 1, 1, members10, t0)
			stepOne(t, d, t0, ActPing, 7)
		}, pt / 4},
		{"a confirmation due before the next ping", func(t *testing.T, d *Detector) {
			d.Suspect(7, addr(7), 1, 1, members10, t0)
			for now := time.Duration(0); now < pt*3/4; now += pt / 4 {
				stepOne(t, d, at(now), ActPing, 7)
			}
			stepOne(t, d, at(pt*3/4+90*ms), ActPing, 7) // late ping due at 300ms: next at 490ms
		}, pt},
		{"once confirmed, pings only", func(t *testing.T, d *Detector) {
			d.Suspect(7, addr(7), 1, 1, members10, t0)
			for now := time.Duration(0); now <= pt; now += pt / 4 {
				drain(d, at(now))
			}
		}, pt + pt/4},
		{"the earliest of many", func(t *testing.T, d *Detector) {
			d.Relay(1, addr(1), 1, addr(30), 2, at(10*ms))    // 410ms
			d.Probe(Direct, 2, addr(2), 1, 3, at(40*ms))      // retry 240ms
			d.Suspect(3, addr(3), 1, 1, members10, at(30*ms)) // ping 30ms
			stepOne(t, d, at(30*ms), ActPing, 3)              // then 130ms
			d.Probe(Direct, 4, addr(4), 1, 4, at(-100*ms))    // retry 100ms
		}, 100 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newTest()
			tc.setup(t, d)
			mustNext(t, d, at(tc.want))
		})
	}
}

// A verdict due before the next ping is the next event.
func TestNextIncludesTheVerdict(t *testing.T) {
	cfg := testConfig()
	cfg.TickInterval = 10 * ms
	cfg.SuspicionMult, cfg.SuspicionMaxMult = 1, 1 // every timeout 10ms
	d := New(cfg)
	d.Suspect(7, addr(7), 1, 1, members10, t0)
	stepOne(t, d, t0, ActPing, 7)
	mustNext(t, d, at(10*ms))
	stepOne(t, d, at(10*ms), ActDeclare, 7)
}

func TestNextFalseWhenIdle(t *testing.T) {
	d := newTest()
	if _, ok := d.Next(); ok {
		t.Error("a new detector reports a deadline")
	}
	d.Probe(Direct, 7, addr(7), 1, 1, t0)
	d.Acked(1, addr(7))
	d.Suspect(8, addr(8), 1, 1, members10, t0)
	d.HeardFrom(addr(8))
	if _, ok := d.Next(); ok {
		t.Error("a detector with nothing left reports a deadline")
	}
}
