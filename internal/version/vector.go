// Package version tracks, per originator, which data messages this node
// has already seen: the version vector that Status messages advertise.
//
// For each origin it keeps the highest contiguous sequence number seen
// (everything up to it is seen) and a 64-bit window of what was seen
// beyond it, so a message that arrives before its predecessor is delivered
// and remembered, not mistaken for a duplicate or dropped. A gap that
// stays open for GapTimeout is given up (its messages are counted as
// skipped), so an origin whose missing message no data log holds any more
// does not stall forever. A message more than 64 ahead of the contiguous
// point moves the window forward at once, skipping what falls behind it.
//
// The vector is bounded: when full, the origin updated least recently is
// forgotten (never this node's own).
package version

import (
	"math/bits"
	"slices"
	"sort"
	"time"
	"unsafe"
)

// Window is how many sequence numbers beyond the contiguous point are
// remembered individually.
const Window = 64

// Origin is one originator's entry.
type Origin struct {
	ID         uint64
	Contiguous uint32 // every seq in 1..Contiguous has been seen
	Beyond     uint64 // bit i set: Contiguous+1+i has been seen
	GapSince   time.Time
	touched    uint64
}

// Highest returns the highest seq seen from this origin.
func (o *Origin) Highest() uint32 {
	if o.Beyond == 0 {
		return o.Contiguous
	}
	return o.Contiguous + uint32(64-bits.LeadingZeros64(o.Beyond))
}

// Vector is the bounded version vector. It is not safe for concurrent use.
type Vector struct {
	self    uint64
	max     int
	origins []Origin // sorted by ID
	clock   uint64
	Skipped uint64 // sequence numbers given up on (lost for good)
	Evicted uint64 // origins forgotten to stay within the bound
}

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

// Contiguous returns the contiguous point of id (0 if unknown).
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
	if seq <= o.Contiguous {
		return true
	}
	d := uint64(seq) - uint64(o.Contiguous) - 1
	return d < Window && o.Beyond&(1<<d) != 0
}

// Observe records (id, seq) as seen and reports whether it was new. Seq 0
// and id 0 are never new.
func (v *Vector) Observe(id uint64, seq uint32, now time.Time) bool {
	if id == 0 || seq == 0 {
		return false
	}
	i, ok := v.Index(id)
	if !ok {
		if len(v.origins) >= v.max && !v.evict() {
			return false
		}
		i, _ = v.Index(id)
		v.origins = slices.Insert(v.origins, i, Origin{ID: id})
	}
	o := &v.origins[i]
	if seq <= o.Contiguous {
		return false
	}
	d := uint64(seq) - uint64(o.Contiguous) - 1
	if d >= Window {
		// Slide the window so seq is its last bit; whatever falls behind
		// unseen is skipped.
		shift := d - (Window - 1)
		v.skip(o, shift)
		d = Window - 1
	}
	if o.Beyond&(1<<d) != 0 {
		return false
	}
	o.Beyond |= 1 << d
	v.advance(o)
	v.clock++
	o.touched = v.clock
	if o.Beyond != 0 && o.GapSince.IsZero() {
		o.GapSince = now
	}
	return true
}

// skip moves o's contiguous point n places, counting the unseen ones. It
// costs O(1) however far a forged or long-lost seq jumps.
func (v *Vector) skip(o *Origin, n uint64) {
	if n >= Window {
		v.Skipped += n - uint64(bits.OnesCount64(o.Beyond))
		o.Beyond = 0
	} else {
		passed := o.Beyond & (1<<n - 1)
		v.Skipped += n - uint64(bits.OnesCount64(passed))
		o.Beyond >>= n
	}
	o.Contiguous += uint32(n)
	v.advance(o)
}

// advance absorbs the seen run just above the contiguous point.
func (v *Vector) advance(o *Origin) {
	for o.Beyond&1 != 0 {
		o.Beyond >>= 1
		o.Contiguous++
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
