package detector

import (
	"net/netip"
	"testing"
	"time"
)

// t0 is the origin of every test's clock: the detector has none, so time
// is whatever the test says it is.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns the instant d after t0.
func at(d time.Duration) time.Time { return t0.Add(d) }

// addr returns a distinct address for each i.
func addr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 7946)
}

// Test settings: ProbeTimeout 400ms (retry at 200ms, stall slack 200ms,
// suspect pings every 100ms); suspicion floor 4s below 10 members, max
// 24s; three confirmations.
const (
	testProbeTimeout = 400 * time.Millisecond
	testTick         = time.Second
)

func testConfig() Config {
	return Config{
		ProbeTimeout:     testProbeTimeout,
		TickInterval:     testTick,
		SuspicionMult:    4,
		SuspicionMaxMult: 6,
		Confirmations:    3,
		MaxHealth:        8,
		MaxProbes:        16,
	}
}

func newTest() *Detector { return New(testConfig()) }

// drain calls Step at now until it reports false and returns what it
// handed out.
func drain(d *Detector, now time.Time) []Action {
	var out []Action
	for {
		a, ok := d.Step(now)
		if !ok {
			return out
		}
		out = append(out, a)
		if len(out) > 10000 {
			panic("Step never reports false")
		}
	}
}

// stepOne calls Step once at now and fails unless it returns an action
// of the given kind about target.
func stepOne(t *testing.T, d *Detector, now time.Time, kind ActionKind, target uint64) Action {
	t.Helper()
	a, ok := d.Step(now)
	if !ok {
		t.Fatalf("Step(%v): nothing, want %v of %d", now.Sub(t0), kindName(kind), target)
	}
	if a.Kind != kind || a.Target != target {
		t.Fatalf("Step(%v) = %v of %d, want %v of %d", now.Sub(t0), kindName(a.Kind), a.Target, kindName(kind), target)
	}
	return a
}

// stepNone fails unless Step at now has nothing to do.
func stepNone(t *testing.T, d *Detector, now time.Time) {
	t.Helper()
	if a, ok := d.Step(now); ok {
		t.Fatalf("Step(%v) = %v of %d, want nothing", now.Sub(t0), kindName(a.Kind), a.Target)
	}
}

func kindName(k ActionKind) string {
	switch k {
	case ActRetry:
		return "ActRetry"
	case ActIndirect:
		return "ActIndirect"
	case ActSuspect:
		return "ActSuspect"
	case ActNack:
		return "ActNack"
	case ActConfirm:
		return "ActConfirm"
	case ActPing:
		return "ActPing"
	case ActDeclare:
		return "ActDeclare"
	}
	return "Act?"
}

// mustNext fails unless Next reports want.
func mustNext(t *testing.T, d *Detector, want time.Time) {
	t.Helper()
	got, ok := d.Next()
	if !ok || !got.Equal(want) {
		t.Fatalf("Next() = %v, %v; want %v, true", got.Sub(t0), ok, want.Sub(t0))
	}
}

// setHealth drives the health score to h through the public API.
func setHealth(d *Detector, h int) {
	for d.Health() > h {
		d.Probe(Direct, 1<<60, addr(1<<20), 1, 1<<31, t0)
		d.Acked(1<<31, addr(1<<20))
	}
	for d.Health() < h {
		d.Refuted()
	}
}
