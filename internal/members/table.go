// Package members is a node's bounded table of the other members it knows.
//
// Members are kept sorted by id, which gives the ring the Rumor spread
// walks (a member's successor is the next id up, wrapping) and lookups by
// id in O(log n). A second index by address finds the member a datagram
// came from. The table never holds the node itself and never grows past
// its bound: a stranger cannot push out a member that is already known.
package members

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"time"
	"unsafe"
)

// Member is one known node.
type Member struct {
	ID   uint64
	Addr netip.AddrPort
}

// Result says what Add did.
type Result uint8

const (
	// Added: the member is new and now in the table.
	Added Result = iota + 1
	// Known: the table already held this id at this address.
	Known
	// Replaced: another id held this address (a node restarted there). The
	// old member was removed and the new one added.
	Replaced
	// Moved: the id was known at another address, which is now updated.
	Moved
	// Full: the table is at its bound; nothing changed.
	Full
	// Rejected: the member is this node itself, or has id 0 or an invalid
	// address; nothing changed.
	Rejected
)

// Table is the member table. It is not safe for concurrent use.
type Table struct {
	self   uint64
	selfAt netip.AddrPort
	max    int
	list   []Member // sorted by ID
	byAddr map[netip.AddrPort]uint64

	probe     []uint64 // round-robin order of the current cycle
	probeAt   int
	sorted    []uint64 // scratch for newCycle
	freshTurn bool     // whether this probe may go to a fresh member
	fresh     []uint64 // members added since they were last probed, oldest first
	recent    []uint64 // the members added last, oldest first, for membership sync
	syncAt    int      // where the next membership sync slice continues in id order

	tombs     map[uint64]tomb // removed ids: where they were, until when they stay removed
	tombOrder []uint64        // burial order, oldest first, to stay within maxTombs
	maxTombs  int
}

// maxFresh bounds the members waiting for an early probe.
const maxFresh = 64

// New returns an empty table for the node with the given id and address,
// holding at most max members.
func New(self uint64, selfAt netip.AddrPort, max int) *Table {
	return &Table{self: self, selfAt: selfAt, max: max, byAddr: make(map[netip.AddrPort]uint64),
		tombs: make(map[uint64]tomb), maxTombs: max}
}

// Len returns the number of members.
func (t *Table) Len() int { return len(t.list) }

// Max returns the table's bound.
func (t *Table) Max() int { return t.max }

// At returns the i-th member in id order.
func (t *Table) At(i int) Member { return t.list[i] }

// Index returns the position of id in id order, and whether it is present.
func (t *Table) Index(id uint64) (int, bool) {
	i := sort.Search(len(t.list), func(i int) bool { return t.list[i].ID >= id })
	return i, i < len(t.list) && t.list[i].ID == id
}

// Get returns the member with the given id.
func (t *Table) Get(id uint64) (Member, bool) {
	i, ok := t.Index(id)
	if !ok {
		return Member{}, false
	}
	return t.list[i], true
}

// ByAddr returns the member at the given address.
func (t *Table) ByAddr(a netip.AddrPort) (Member, bool) {
	id, ok := t.byAddr[a]
	if !ok {
		return Member{}, false
	}
	return t.Get(id)
}

// Add adds m and says what changed. For Replaced, old is the member that
// was at m's address; for Moved, old is m's previous entry.
func (t *Table) Add(m Member) (r Result, old Member) {
	if m.ID == 0 || m.ID == t.self || !m.Addr.IsValid() || m.Addr == t.selfAt {
		return Rejected, Member{}
	}
	if i, ok := t.Index(m.ID); ok {
		cur := t.list[i]
		if cur.Addr == m.Addr {
			return Known, Member{}
		}
		if other, taken := t.byAddr[m.Addr]; taken && other != m.ID {
			t.Remove(other)
			i, _ = t.Index(m.ID)
		}
		delete(t.byAddr, cur.Addr)
		t.list[i].Addr = m.Addr
		t.byAddr[m.Addr] = m.ID
		return Moved, cur
	}
	if other, taken := t.byAddr[m.Addr]; taken {
		old, _ = t.Remove(other)
		t.insert(m)
		return Replaced, old
	}
	if len(t.list) >= t.max {
		return Full, Member{}
	}
	t.insert(m)
	return Added, Member{}
}

func (t *Table) insert(m Member) {
	i, _ := t.Index(m.ID)
	t.list = slices.Insert(t.list, i, m)
	t.byAddr[m.Addr] = m.ID
	if len(t.fresh) == maxFresh {
		t.fresh = slices.Delete(t.fresh, 0, 1)
	}
	t.fresh = append(t.fresh, m.ID)
	if len(t.recent) == maxFresh {
		t.recent = slices.Delete(t.recent, 0, 1)
	}
	t.recent = append(t.recent, m.ID)
}

// Remove removes the member with the given id and returns it.
func (t *Table) Remove(id uint64) (Member, bool) {
	i, ok := t.Index(id)
	if !ok {
		return Member{}, false
	}
	m := t.list[i]
	t.list = slices.Delete(t.list, i, i+1)
	delete(t.byAddr, m.Addr)
	return m, true
}

// Clear removes every member.
func (t *Table) Clear() {
	t.list = t.list[:0]
	clear(t.byAddr)
	t.probe = t.probe[:0]
	t.probeAt = 0
	t.fresh = t.fresh[:0]
}

// Successor returns the index of the member that follows this node on the
// ring of ids (the smallest id above its own, wrapping to the smallest),
// or -1 when the table is empty.
func (t *Table) Successor() int {
	if len(t.list) == 0 {
		return -1
	}
	i, _ := t.Index(t.self)
	if i == len(t.list) {
		return 0
	}
	return i
}

// NextProbe returns the index of the next member to probe, or -1 when the
// table is empty. Every other probe goes to a member added recently, if
// any waits (oldest first, at most 64): a first contact soon after a
// member is learned is what lets two nodes that know each other only one
// way repair it (see node.Greet). The other probes visit members in one
// fixed order, shuffled with r once, with later members appended as a
// cycle ends: while membership is steady every member is probed once per
// cycle of Len() rounds, so a crashed member is probed within Len()
// rounds of its crash (a fresh shuffle per cycle would allow twice that),
// and within 2 × Len() while members keep joining.
func (t *Table) NextProbe(r *rand.Rand) int {
	t.freshTurn = !t.freshTurn
	for t.freshTurn && len(t.fresh) > 0 {
		id := t.fresh[0]
		t.fresh = slices.Delete(t.fresh, 0, 1)
		if i, ok := t.Index(id); ok {
			return i
		}
	}
	for range 2 {
		for t.probeAt < len(t.probe) {
			id := t.probe[t.probeAt]
			t.probeAt++
			if i, ok := t.Index(id); ok {
				if j := slices.Index(t.fresh, id); j >= 0 {
					t.fresh = slices.Delete(t.fresh, j, j+1) // probed: no longer fresh
				}
				return i
			}
		}
		if len(t.list) == 0 {
			return -1
		}
		t.newCycle(r)
	}
	return -1
}

// newCycle keeps the probe order of the members still present and
// appends the others; the very first cycle is shuffled.
func (t *Table) newCycle(r *rand.Rand) {
	first := len(t.probe) == 0
	kept := t.probe[:0]
	for _, id := range t.probe {
		if _, ok := t.Index(id); ok {
			kept = append(kept, id)
		}
	}
	t.sorted = append(t.sorted[:0], kept...)
	slices.Sort(t.sorted)
	for _, m := range t.list {
		if _, found := slices.BinarySearch(t.sorted, m.ID); !found {
			kept = append(kept, m.ID)
		}
	}
	t.probe = kept
	if first {
		r.Shuffle(len(t.probe), func(a, b int) { t.probe[a], t.probe[b] = t.probe[b], t.probe[a] })
	}
	t.probeAt = 0
}

// Append appends every member, in id order, to dst.
func (t *Table) Append(dst []Member) []Member { return append(dst, t.list...) }

// SyncSlice appends up to k members for a membership sync: first the
// members added most recently (the ones others are likeliest to have
// missed), newest first, then the next members in id order after where the
// previous slice stopped, wrapping, so over successive slices every member
// is sent. It returns dst and never appends a member twice.
func (t *Table) SyncSlice(dst []Member, k int) []Member {
	start := len(dst)
	for i := len(t.recent) - 1; i >= 0 && len(dst)-start < k/2; i-- {
		if m, ok := t.Get(t.recent[i]); ok {
			dst = append(dst, m)
		}
	}
	for range len(t.list) {
		if len(dst)-start >= k {
			break
		}
		if t.syncAt >= len(t.list) {
			t.syncAt = 0
		}
		m := t.list[t.syncAt]
		t.syncAt++
		if !slices.Contains(dst[start:], m) {
			dst = append(dst, m)
		}
	}
	return dst
}

// Footprint approximates the bytes the table holds: its slices at their
// capacity and the address index at about 64 bytes an entry.
func (t *Table) Footprint() int {
	return cap(t.list)*int(unsafe.Sizeof(Member{})) + (len(t.byAddr)+len(t.tombs))*64 +
		(cap(t.probe)+cap(t.fresh)+cap(t.recent))*8
}

// tomb is a removed member: where it was, and until when it stays removed.
type tomb struct {
	addr  netip.AddrPort
	until time.Time
}

// Bury remembers that id, last at addr, was removed, until the given time:
// while buried, Buried reports it, so that hearsay (another node's member
// list) does not bring it back. At most as many ids as the table holds
// members are buried; beyond that the oldest burial is forgotten first.
func (t *Table) Bury(id uint64, addr netip.AddrPort, until time.Time) {
	if _, ok := t.tombs[id]; !ok {
		if len(t.tombOrder) >= t.maxTombs {
			delete(t.tombs, t.tombOrder[0])
			t.tombOrder = slices.Delete(t.tombOrder, 0, 1)
		}
		t.tombOrder = append(t.tombOrder, id)
	}
	t.tombs[id] = tomb{addr: addr, until: until}
}

// Buried reports whether id was removed and its burial has not ended.
func (t *Table) Buried(id uint64, now time.Time) bool {
	tb, ok := t.tombs[id]
	return ok && now.Before(tb.until)
}

// BuriedAddr returns the address of a buried member chosen with r, one
// whose burial has not ended and whose address no member holds now, or
// false if there is none: a node to try to reach again, in case it was
// removed while alive (cut off by a partition, or slow).
func (t *Table) BuriedAddr(r *rand.Rand, now time.Time) (netip.AddrPort, bool) {
	if len(t.tombOrder) == 0 {
		return netip.AddrPort{}, false
	}
	start := r.IntN(len(t.tombOrder))
	for k := range t.tombOrder {
		tb := t.tombs[t.tombOrder[(start+k)%len(t.tombOrder)]]
		if _, taken := t.byAddr[tb.addr]; !taken && now.Before(tb.until) {
			return tb.addr, true
		}
	}
	return netip.AddrPort{}, false
}

// Unbury forgets a burial: the member itself came back.
func (t *Table) Unbury(id uint64) {
	if _, ok := t.tombs[id]; !ok {
		return
	}
	delete(t.tombs, id)
	if i := slices.Index(t.tombOrder, id); i >= 0 {
		t.tombOrder = slices.Delete(t.tombOrder, i, i+1)
	}
}

// Tombstones returns the number of buried ids (ended burials included
// until they are pushed out).
func (t *Table) Tombstones() int { return len(t.tombs) }
