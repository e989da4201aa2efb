package detector

import (
	"math"
	"time"
)

// Config holds the detector's settings, validated by the service.
type Config struct {
	// ProbeTimeout is how long a probe's answer is awaited, before local
	// health scales it.
	ProbeTimeout time.Duration
	// TickInterval is the round length: the unit of the suspicion floor.
	TickInterval time.Duration
	// SuspicionMult scales the suspicion floor: SuspicionMult ×
	// max(1, log10(members)) × TickInterval.
	SuspicionMult float64
	// SuspicionMaxMult is the unconfirmed suspicion's timeout, as a
	// multiple of the floor. At least 1.
	SuspicionMaxMult float64
	// Confirmations is how many independent confirmations bring the
	// timeout down to the floor, and how many members just before a
	// suspect on the ring probe it to confirm. At least 1.
	Confirmations int
	// MaxHealth is the highest local health score; timeouts stretch up
	// to 1 + MaxHealth times. 0 turns local health off.
	MaxHealth int
	// MaxProbes bounds the probes tracked at once.
	MaxProbes int
}

// floor returns the suspicion floor for a cluster of the given size,
// before local health scales it.
func (c *Config) floor(members int) time.Duration {
	scale := math.Max(1, math.Log10(float64(max(members, 1))))
	return time.Duration(c.SuspicionMult * scale * float64(c.TickInterval))
}

// SuspicionTimeout returns how long a suspicion of a member of a cluster
// of the given size (this node included) runs with n independent
// confirmations, before local health scales it: Lifeguard's
//
//	max - (max - floor) × log(n+1) / log(k+1), never below floor
//
// with floor = SuspicionMult × max(1, log10(members)) × TickInterval,
// max = SuspicionMaxMult × floor and k = Confirmations, or fewer in a
// cluster too small to give that many: every node but the suspect and the
// accuser can confirm, so k is at most members-2, and with none to wait
// for the timeout is the floor (as memberlist does).
func (c *Config) SuspicionTimeout(members, n int) time.Duration {
	lo := c.floor(members)
	k := min(c.Confirmations, members-2)
	if k < 1 {
		return lo
	}
	hi := time.Duration(c.SuspicionMaxMult * float64(lo))
	frac := math.Log(float64(n)+1) / math.Log(float64(k)+1)
	t := time.Duration(float64(hi) - frac*float64(hi-lo))
	return max(t, lo)
}
