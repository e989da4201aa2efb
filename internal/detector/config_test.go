package detector

import (
	"math"
	"testing"
	"time"
)

// lifeguard computes the suspicion timeout straight from Lifeguard's
// formula, in floating point, independently of Config.SuspicionTimeout:
// with k confirmations awaited, at most members-2 of them (the nodes other
// than the suspect and the accuser), and the floor when none can come.
func lifeguard(c Config, members, n int) float64 {
	floor := c.SuspicionMult * math.Max(1, math.Log10(float64(members))) * float64(c.TickInterval)
	k := min(c.Confirmations, members-2)
	if k < 1 {
		return floor
	}
	hi := c.SuspicionMaxMult * floor
	t := hi - (hi-floor)*math.Log(float64(n+1))/math.Log(float64(k+1))
	return math.Max(t, floor)
}

func TestSuspicionTimeoutFollowsLifeguardsFormula(t *testing.T) {
	configs := []Config{
		testConfig(),
		{TickInterval: 200 * time.Millisecond, SuspicionMult: 5, SuspicionMaxMult: 3, Confirmations: 1},
		{TickInterval: 50 * time.Millisecond, SuspicionMult: 1.5, SuspicionMaxMult: 10, Confirmations: 8},
		{TickInterval: time.Second, SuspicionMult: 2, SuspicionMaxMult: 1, Confirmations: 4}, // max = floor
	}
	for _, c := range configs {
		k := c.Confirmations
		for _, members := range []int{1, 10, 64, 100, 1000, 10000} {
			hi := time.Duration(lifeguard(c, members, 0))
			prev := time.Duration(math.MaxInt64)
			slop := time.Duration(c.SuspicionMaxMult + 2)
			for n := 0; n <= k+2; n++ {
				got := c.SuspicionTimeout(members, n)
				want := lifeguard(c, members, n)
				// The floor is truncated to whole nanoseconds before max
				// multiplies it: a few nanoseconds of rounding.
				if math.Abs(float64(got)-want) > c.SuspicionMaxMult+2 {
					t.Errorf("%+v: SuspicionTimeout(%d, %d) = %v, want %v", c, members, n, got, time.Duration(want))
				}
				if got > prev {
					t.Errorf("%+v: SuspicionTimeout(%d, %d) = %v rises above n-1's %v", c, members, n, got, prev)
				}
				if got < c.floor(members) || got > hi+slop {
					t.Errorf("%+v: SuspicionTimeout(%d, %d) = %v outside [floor %v, max %v]", c, members, n, got, c.floor(members), hi)
				}
				if n >= k && got != c.floor(members) {
					t.Errorf("%+v: SuspicionTimeout(%d, %d) = %v, want the floor %v once k=%d confirm", c, members, n, got, c.floor(members), k)
				}
				prev = got
			}
		}
	}
}

// Hand-computed values for the test settings: floor = 4 × max(1,
// log10(members)) × 1s, max = 6 × floor, k = 3, so one confirmation
// (log 2 / log 4 = 1/2) takes the timeout halfway down.
func TestSuspicionTimeoutKnownValues(t *testing.T) {
	c := testConfig()
	for _, tc := range []struct {
		members, n int
		want       time.Duration
	}{
		{1, 0, 4 * time.Second}, // too small for any confirmation: the floor
		{2, 0, 4 * time.Second},
		{3, 0, 24 * time.Second}, // one confirmation possible (k = 1)
		{3, 1, 4 * time.Second},
		{1, 3, 4 * time.Second},
		{0, 0, 4 * time.Second}, // no members counts as one
		{9, 3, 4 * time.Second}, // log10 below 1 counts as 1
		{10, 0, 24 * time.Second},
		{10, 1, 14 * time.Second},
		{100, 0, 48 * time.Second},
		{100, 1, 28 * time.Second},
		{100, 3, 8 * time.Second},
		{1000, 3, 12 * time.Second},
		{10000, 0, 96 * time.Second},
		{10000, 5, 16 * time.Second},
	} {
		got := c.SuspicionTimeout(tc.members, tc.n)
		if d := got - tc.want; d < -2 || d > 2 {
			t.Errorf("SuspicionTimeout(%d, %d) = %v, want %v", tc.members, tc.n, got, tc.want)
		}
	}
	// 64 members: log10(64) = 1.806..., floor 7.2247s.
	if got, want := c.SuspicionTimeout(64, 3), time.Duration(4*math.Log10(64)*float64(time.Second)); got != want {
		t.Errorf("SuspicionTimeout(64, 3) = %v, want %v", got, want)
	}
}

func TestSuspicionTimeoutNeverBelowFloorForManyConfirmations(t *testing.T) {
	c := testConfig()
	for _, n := range []int{4, 10, 100, 1 << 20} {
		if got := c.SuspicionTimeout(1000, n); got != c.floor(1000) {
			t.Errorf("SuspicionTimeout(1000, %d) = %v, want the floor %v", n, got, c.floor(1000))
		}
	}
}
