package detector

import (
	"testing"
	"time"
)

func TestHealthBoundedByZeroAndMaxHealth(t *testing.T) {
	d := newTest()
	if d.Health() != 0 {
		t.Fatalf("a new detector has health %d, want 0", d.Health())
	}
	for i := range 20 {
		d.Refuted()
		if want := min(i+1, 8); d.Health() != want {
			t.Fatalf("after %d refutations: Health() = %d, want %d", i+1, d.Health(), want)
		}
	}
	for i := range 20 {
		d.Probe(Direct, 7, addr(7), 1, uint32(i+1), t0)
		d.Acked(uint32(i+1), addr(7))
		if want := max(8-i-1, 0); d.Health() != want {
			t.Fatalf("after %d answered probes: Health() = %d, want %d", i+1, d.Health(), want)
		}
	}
}

func TestMaxHealthZeroTurnsHealthOff(t *testing.T) {
	cfg := testConfig()
	cfg.MaxHealth = 0
	d := New(cfg)
	d.Refuted()
	d.Probe(Direct, 7, addr(7), 1, 1, t0)
	stepOne(t, d, at(half), ActRetry, 7)
	stepOne(t, d, at(pt), ActIndirect, 7)
	stepOne(t, d, at(2*pt), ActSuspect, 7)
	if d.Health() != 0 || d.ProbeTimeout() != pt {
		t.Errorf("Health() = %d, ProbeTimeout() = %v; want 0, %v", d.Health(), d.ProbeTimeout(), pt)
	}
}

func TestProbeTimeoutScalesByOnePlusHealth(t *testing.T) {
	d := newTest()
	for h := range 9 {
		setHealth(d, h)
		if got, want := d.ProbeTimeout(), pt*time.Duration(1+h); got != want {
			t.Errorf("health %d: ProbeTimeout() = %v, want %v", h, got, want)
		}
	}
}

func TestRefutedRaisesHealth(t *testing.T) {
	d := newTest()
	d.Refuted()
	d.Refuted()
	if d.Health() != 2 {
		t.Errorf("Health() = %d after two refutations, want 2", d.Health())
	}
}

// Every probe deadline is the health-scaled ProbeTimeout: the retry at
// half of it, the escalation at it, the suspicion one more (at the
// health of the escalation) later; a relay's nack at it.
func TestProbeDeadlinesScaleWithHealth(t *testing.T) {
	d := newTest()
	setHealth(d, 2) // ProbeTimeout 1.2s
	d.Probe(Direct, 7, addr(7), 3, 100, t0)
	d.Relay(8, addr(8), 101, addr(30), 555, t0)
	stepNone(t, d, at(600*time.Millisecond-1))
	stepOne(t, d, at(600*time.Millisecond), ActRetry, 7)
	stepNone(t, d, at(1200*time.Millisecond-1))
	stepOne(t, d, at(1200*time.Millisecond), ActIndirect, 7)
	stepOne(t, d, at(1200*time.Millisecond), ActNack, 8)
	d.Refuted() // health 3 now; the indirect phase's deadline is set
	stepNone(t, d, at(2400*time.Millisecond-1))
	stepOne(t, d, at(2400*time.Millisecond), ActSuspect, 7)
	if d.Health() != 4 {
		t.Errorf("Health() = %d, want 4 (3 + the unanswered probe)", d.Health())
	}
}
