// Package version tracks, per originator, which data messages this node
// has already seen: the version vector that Status messages advertise.
//
// For each origin it keeps the highest contiguous sequence number seen
// (everything up to it is seen) and a 64-bit window of what was seen
// beyond it, so a message that arrives before its predecessor is delivered
// and remembered, not mistaken for a duplicate or dropped. A gap that
// stays open for GapTimeout is given up (its messages are counted as
// skipped), so an origin whose missing message no data log holds any more
// does not stall forever.
//
// Sequence numbers compare as serial numbers (serial.go), so an origin
// whose counter wraps is still heard. A message further ahead than the
// window is not taken on one datagram's word (ObserveFrom): one forged
// Data naming a far seq would otherwise move the window past every seq
// the origin has really sent, and silence it. It is held back, and moves
// the window only when the origin sent it itself or a second datagram
// from another source confirms it.
//
// The vector is bounded: when full, the origin updated least recently is
// forgotten (never this node's own).
package version

import (
	"math/bits"
	"net/netip"
	"slices"
	"sort"
	"time"
	"unsafe"

	"github.com/tickgossip/gossip/internal/addrhash"
)

// Window is how many sequence numbers beyond the contiguous point are
// remembered individually.
const Window = 64

// Origin is one originator's entry.
type Origin struct {
	ID uint64
	// Contiguous is the seq up to which, in serial order, every seq has
	// been seen; 0 before the first.
	Contiguous uint32
	// A far seq held back, waiting for confirmation (0: none), the key of
	// the address it came from, and when (Unix nanoseconds).
	claim uint32
	// Beyond has bit i set when the seq i+1 steps after Contiguous (see
	// Next) has been seen.
	Beyond   uint64
	GapSince time.Time
	touched  uint64
	claimSrc uint64
	claimAt  int64
}

// Highest returns the highest seq seen from this origin.
func (o *Origin) Highest() uint32 {
	if o.Beyond == 0 {
		return o.Contiguous
	}
	return advanceBy(o.Contiguous, uint32(64-bits.LeadingZeros64(o.Beyond)))
}

// Source says where a Data datagram came from, for the rule on seqs
// further ahead than the window.
type Source struct {
	// From is the datagram's source address.
	From netip.AddrPort
	// Direct: the origin sent the datagram itself (it came from the
	// origin's member address), or every datagram is authenticated (a
	// sealed cluster). A direct datagram is believed at once.
	Direct bool
}

// Result is what ObserveFrom made of a seq.
type Result uint8

// The results.
const (
	// Duplicate: seen before, at or behind the contiguous point, or an
	// invalid id or seq (0).
	Duplicate Result = iota
	// Accepted: not seen before; now recorded.
	Accepted
	// TooFar: further ahead than the window, and not confirmed: held
	// back, not recorded (the window did not move).
	TooFar
)

// Vector is the bounded version vector. It is not safe for concurrent use.
type Vector struct {
	self    uint64
	max     int
	origins []Origin // sorted by ID
	clock   uint64
	Skipped uint64 // sequence numbers given up on (lost for good)
	Evicted uint64 // origins forgotten to stay within the bound
	Far     uint64 // seqs held back: further ahead than the window, unconfirmed

	// ClaimFor is how long a far seq held back waits for confirmation.
	// Zero means DefaultClaimFor.
	ClaimFor time.Duration
}

// DefaultClaimFor is Vector.ClaimFor when it is zero: a sender's retries
// (3 × 10 s) fit inside it.
const DefaultClaimFor = 30 * time.Second

// New returns an empty vector for the node self, holding at most max
// origins (at least 1).
func New(self uint64, max int) *Vector {
	return &Vector{self: self, max: max}
}

// Len returns the number of origins.
func (v *Vector) Len() int { return len(v.origins) }

// At returns the i-th origin in id order.
func (v *Vector) At(i int) *Origin { return &v.origins[i] }

// Index returns the position of id, and whether it is present.
func (v *Vector) Index(id uint64) (int, bool) {
	i := sort.Search(len(v.origins), func(i int) bool { return v.origins[i].ID >= id })
	return i, i < len(v.origins) && v.origins[i].ID == id
}

// Contiguous returns the contiguous point of id (0 if unknown, or if
// nothing of it is contiguous yet).
func (v *Vector) Contiguous(id uint64) uint32 {
	if i, ok := v.Index(id); ok {
		return v.origins[i].Contiguous
	}
	return 0
}

// Seen reports whether (id, seq) has been seen.
func (v *Vector) Seen(id uint64, seq uint32) bool {
	i, ok := v.Index(id)
	if !ok {
		return false
	}
	o := &v.origins[i]
	if !After(seq, o.Contiguous) {
		return true
	}
	d := uint64(steps(o.Contiguous, seq)) - 1
	return d < Window && o.Beyond&(1<<d) != 0
}

// Observe records (id, seq) as seen and reports whether it was new,
// believing seq however far ahead it is: for this node's own data, and
// for tests. Seq 0 and id 0 are never new.
func (v *Vector) Observe(id uint64, seq uint32, now time.Time) bool {
	return v.ObserveFrom(id, seq, now, Source{Direct: true}) == Accepted
}

// ObserveFrom records (id, seq), which arrived from src, as seen if it is
// new. A seq further ahead of the contiguous point than the window (but
// less than half the cycle, which would make it older) slides the window
// forward so that seq is its last bit, skipping what falls behind, only
// if src is direct, or if another far seq of the same origin, from
// another source, within the window of this one, is held back since
// less than ClaimFor. Otherwise it is held back (replacing what was) and
// TooFar is returned: the window stays where it is, so the origin's next
// seq is still accepted.
//
// An origin not in the vector starts at seq, whatever it is: there is
// nothing to compare it with.
func (v *Vector) ObserveFrom(id uint64, seq uint32, now time.Time, src Source) Result {
	if id == 0 || seq == 0 {
		return Duplicate
	}
	i, ok := v.Index(id)
	if !ok {
		if len(v.origins) >= v.max && !v.evict() {
			return Duplicate
		}
		i, _ = v.Index(id)
		o := Origin{ID: id}
		if seq > Window {
			o.Contiguous = seq - Window // seq is the window's last bit
		}
		v.origins = slices.Insert(v.origins, i, o)
	}
	o := &v.origins[i]
	if !After(seq, o.Contiguous) {
		return Duplicate
	}
	d := uint64(steps(o.Contiguous, seq)) - 1
	if d >= Window {
		if !src.Direct && !v.confirmed(o, seq, now, src) {
			o.claim, o.claimSrc, o.claimAt = seq, addrhash.Of(src.From), now.UnixNano()
			v.Far++
			return TooFar
		}
		// Slide the window so seq is its last bit; whatever falls behind
		// unseen is skipped.
		o.claim = 0
		shift := d - (Window - 1)
		v.skip(o, shift)
		d = Window - 1
	}
	if o.Beyond&(1<<d) != 0 {
		return Duplicate
	}
	o.Beyond |= 1 << d
	v.advance(o)
	v.clock++
	o.touched = v.clock
	if o.Beyond != 0 && o.GapSince.IsZero() {
		o.GapSince = now
	}
	return Accepted
}

// confirmed reports whether a far seq of o from src confirms the one held
// back: another source, recent enough, and within the window of it either
// way.
func (v *Vector) confirmed(o *Origin, seq uint32, now time.Time, src Source) bool {
	if o.claim == 0 || o.claimSrc == addrhash.Of(src.From) {
		return false
	}
	ttl := v.ClaimFor
	if ttl <= 0 {
		ttl = DefaultClaimFor
	}
	if now.UnixNano()-o.claimAt > int64(ttl) {
		return false
	}
	return steps(o.claim, seq) <= Window || steps(seq, o.claim) <= Window
}

// skip moves o's contiguous point n places, counting the unseen ones,
// without absorbing the seen run above it (the caller advances). It costs
// O(1) however far a seq jumps.
func (v *Vector) skip(o *Origin, n uint64) {
	if n >= Window {
		v.Skipped += n - uint64(bits.OnesCount64(o.Beyond))
		o.Beyond = 0
	} else {
		passed := o.Beyond & (1<<n - 1)
		v.Skipped += n - uint64(bits.OnesCount64(passed))
		o.Beyond >>= n
	}
	o.Contiguous = advanceBy(o.Contiguous, uint32(n))
}

// advance absorbs the seen run just above the contiguous point.
func (v *Vector) advance(o *Origin) {
	for o.Beyond&1 != 0 {
		o.Beyond >>= 1
		o.Contiguous = Next(o.Contiguous)
	}
	if o.Beyond == 0 {
		o.GapSince = time.Time{}
	}
}

// GiveUp skips the gaps that have stayed open since before now-timeout,
// up to the next seen seq, and returns how many origins it moved. A later
// gap of the same origin starts its own timer.
func (v *Vector) GiveUp(now time.Time, timeout time.Duration) int {
	n := 0
	for i := range v.origins {
		o := &v.origins[i]
		if o.Beyond == 0 || o.GapSince.IsZero() || now.Sub(o.GapSince) < timeout {
			continue
		}
		v.skip(o, uint64(bits.TrailingZeros64(o.Beyond)))
		v.advance(o)
		if o.Beyond != 0 {
			o.GapSince = now
		}
		n++
	}
	return n
}

// evict forgets the least recently updated origin other than self.
func (v *Vector) evict() bool {
	oldest := -1
	for i := range v.origins {
		if v.origins[i].ID == v.self {
			continue
		}
		if oldest < 0 || v.origins[i].touched < v.origins[oldest].touched {
			oldest = i
		}
	}
	if oldest < 0 {
		return false
	}
	v.origins = slices.Delete(v.origins, oldest, oldest+1)
	v.Evicted++
	return true
}

// Footprint approximates the bytes the vector holds.
func (v *Vector) Footprint() int { return cap(v.origins) * int(unsafe.Sizeof(Origin{})) }
