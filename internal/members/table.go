// Package members is a node's bounded table of the other members it knows.
//
// Members are kept sorted by id, which gives the ring the Rumor spread
// walks (a member's successor is the next id up, wrapping) and lookups by
// id in O(log n). A second index by address finds the member a datagram
// came from. The table never holds the node itself and never grows past
// its bound: a stranger cannot push out a member that is already known.
package members

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"time"
	"unsafe"

	"github.com/tickgossip/gossip/message"
)

// Member is one known node.
type Member struct {
	ID   uint64
	Addr netip.AddrPort
	// Inc is the member's incarnation: the version of its record, which
	// only the member itself raises. 0 means unknown: the member was
	// learned from a peer that speaks only the base format, and any
	// record with an incarnation supersedes it.
	Inc uint32
	// Meta is the member's metadata. The table owns it: Add and SetRecord
	// copy what they are given, and a changed record gets a new slice, so
	// a copy of a Member may keep its Meta.
	Meta []byte
	// Ext reports that the member speaks the extension messages (it sent
	// one, or its record came from itself): it can be asked to relay a
	// probe and can refute a suspicion. A member that does not is judged
	// by the base rule, its envelopes expiring unanswered.
	Ext bool
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

	recent []uint64 // the members added last, oldest first, for membership sync
	syncAt int      // where the next membership sync slice continues in id order

	digest [digestBuckets]bucket // the members' digest by the ids' top bits, kept as they change

	tombs     map[uint64]Tomb           // removed ids: where they were, until when they stay removed
	tombAt    map[netip.AddrPort]uint64 // the id last buried at each address
	tombOrder []uint64                  // burial order, oldest first, to stay within maxTombs
	maxTombs  int
}

// maxRecent bounds the members remembered as added last.
const maxRecent = 64

// New returns an empty table for the node with the given id and address,
// holding at most max members.
func New(self uint64, selfAt netip.AddrPort, max int) *Table {
	return &Table{self: self, selfAt: selfAt, max: max, byAddr: make(map[netip.AddrPort]uint64),
		tombs: make(map[uint64]Tomb), tombAt: make(map[netip.AddrPort]uint64), maxTombs: max}
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
	m.Meta = cloneMeta(m.Meta)
	t.account(m.ID, m.Inc, 1)
	i, _ := t.Index(m.ID)
	t.list = slices.Insert(t.list, i, m)
	t.byAddr[m.Addr] = m.ID
	if len(t.recent) == maxRecent {
		t.recent = slices.Delete(t.recent, 0, 1)
	}
	t.recent = append(t.recent, m.ID)
}

// cloneMeta copies metadata into storage of the table's own; empty
// metadata is nil.
func cloneMeta(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

// SetRecord updates the record of the member at index i: its
// incarnation, metadata and whether it speaks the extensions. It reports
// whether the metadata changed. The address is changed only by Add.
func (t *Table) SetRecord(i int, inc uint32, meta []byte, ext bool) (metaChanged bool) {
	m := &t.list[i]
	if inc != m.Inc {
		t.account(m.ID, m.Inc, -1)
		t.account(m.ID, inc, 1)
	}
	m.Inc = inc
	m.Ext = m.Ext || ext
	if !bytes.Equal(m.Meta, meta) {
		m.Meta = cloneMeta(meta)
		return true
	}
	return false
}

// SetExt marks the member at index i as speaking the extensions.
func (t *Table) SetExt(i int) { t.list[i].Ext = true }

// Remove removes the member with the given id and returns it.
func (t *Table) Remove(id uint64) (Member, bool) {
	i, ok := t.Index(id)
	if !ok {
		return Member{}, false
	}
	m := t.list[i]
	t.list = slices.Delete(t.list, i, i+1)
	delete(t.byAddr, m.Addr)
	t.account(m.ID, m.Inc, -1)
	return m, true
}

// Clear removes every member.
func (t *Table) Clear() {
	t.list = t.list[:0]
	t.digest = [digestBuckets]bucket{}
	clear(t.byAddr)
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
		if !slices.ContainsFunc(dst[start:], func(d Member) bool { return d.ID == m.ID }) {
			dst = append(dst, m)
		}
	}
	return dst
}

// Footprint approximates the bytes the table holds: its slices at their
// capacity and the address index at about 64 bytes an entry.
func (t *Table) Footprint() int {
	meta := 0
	for i := range t.list {
		meta += cap(t.list[i].Meta)
	}
	return cap(t.list)*int(unsafe.Sizeof(Member{})) + meta + (len(t.byAddr)+len(t.tombAt))*64 + len(t.tombs)*96 +
		cap(t.recent)*8
}

// Reason says why a member was removed.
type Reason uint8

// The reasons a member is buried.
const (
	Failed    Reason = iota + 1 // declared failed (or its envelopes expired)
	Left                        // it said it leaves
	Displaced                   // another id took its address (a restart)
)

// Tomb is a removed member: where it was, at which incarnation, why, who
// declared it (for a failure), and until when it stays removed.
type Tomb struct {
	ID     uint64
	Addr   netip.AddrPort
	Inc    uint32
	Reason Reason
	From   uint64
	Until  time.Time
}

// Bury remembers that tb.ID was removed until tb.Until: while buried,
// Buried reports it, so that hearsay (another node's member list, a
// record at no higher incarnation) does not bring it back. At most as many
// ids as the table holds members are buried; beyond that the oldest
// burial is forgotten first.
func (t *Table) Bury(tb Tomb) {
	if old, ok := t.tombs[tb.ID]; ok {
		if t.tombAt[old.Addr] == tb.ID {
			delete(t.tombAt, old.Addr)
		}
	} else {
		if len(t.tombOrder) >= t.maxTombs {
			t.forget(t.tombOrder[0])
		}
		t.tombOrder = append(t.tombOrder, tb.ID)
	}
	t.tombs[tb.ID] = tb
	t.tombAt[tb.Addr] = tb.ID
}

// forget drops a burial: its ended, it was pushed out, or the member
// came back.
func (t *Table) forget(id uint64) {
	tb, ok := t.tombs[id]
	if !ok {
		return
	}
	delete(t.tombs, id)
	if t.tombAt[tb.Addr] == id {
		delete(t.tombAt, tb.Addr)
	}
	if i := slices.Index(t.tombOrder, id); i >= 0 {
		t.tombOrder = slices.Delete(t.tombOrder, i, i+1)
	}
}

// Buried reports whether id was removed and its burial has not ended.
func (t *Table) Buried(id uint64, now time.Time) bool {
	tb, ok := t.tombs[id]
	return ok && now.Before(tb.Until)
}

// Tomb returns the burial of id, if it has not ended.
func (t *Table) Tomb(id uint64, now time.Time) (Tomb, bool) {
	tb, ok := t.tombs[id]
	if !ok || !now.Before(tb.Until) {
		return Tomb{}, false
	}
	return tb, true
}

// TombAt returns the burial of the member last seen at addr, if it has
// not ended and no member holds that address now.
func (t *Table) TombAt(addr netip.AddrPort, now time.Time) (Tomb, bool) {
	id, ok := t.tombAt[addr]
	if !ok {
		return Tomb{}, false
	}
	if _, taken := t.byAddr[addr]; taken {
		return Tomb{}, false
	}
	return t.Tomb(id, now)
}

// RecentTombs appends up to k burials that have not ended, newest first.
func (t *Table) RecentTombs(dst []Tomb, k int, now time.Time) []Tomb {
	for i := len(t.tombOrder) - 1; i >= 0 && k > 0; i-- {
		if tb := t.tombs[t.tombOrder[i]]; now.Before(tb.Until) {
			dst = append(dst, tb)
			k--
		}
	}
	return dst
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
		if _, taken := t.byAddr[tb.Addr]; !taken && now.Before(tb.Until) {
			return tb.Addr, true
		}
	}
	return netip.AddrPort{}, false
}

// Unbury forgets a burial: the member itself came back.
func (t *Table) Unbury(id uint64) { t.forget(id) }

// Tombstones returns the number of buried ids (ended burials included
// until they are pushed out).
func (t *Table) Tombstones() int { return len(t.tombs) }

// digestBuckets is how many buckets the table keeps its digest in: as
// many as the largest Digest has. A Digest of fewer buckets combines
// adjacent ones (counts add, hashes XOR).
const digestBuckets = 1 << message.MaxDigestBits

// bucket is one part of the digest: how many members, and the XOR of
// their hashes.
type bucket struct {
	count uint16
	hash  uint32
}

// account adds (sign 1) or removes (-1) a member's share of the digest.
func (t *Table) account(id uint64, inc uint32, sign int) {
	b := &t.digest[message.DigestBucket(id, message.MaxDigestBits)]
	b.count += uint16(sign)
	b.hash ^= message.DigestHash(id, inc)
}

// Digest fills d with 2^bits buckets of the table, this node itself
// (with incarnation selfInc) included, backed by buf (see
// message.Digest.Reset). It costs 128 additions whatever the table's size.
func (t *Table) Digest(d *message.Digest, bits int, answer bool, selfInc uint32, buf []byte) {
	d.Reset(bits, answer, buf)
	per := digestBuckets >> bits
	self := message.DigestBucket(t.self, message.MaxDigestBits)
	for i := range 1 << bits {
		var c uint16
		var h uint32
		for j := i * per; j < (i+1)*per; j++ {
			c += t.digest[j].count
			h ^= t.digest[j].hash
			if j == self {
				c++
				h ^= message.DigestHash(t.self, selfInc)
			}
		}
		d.SetBucket(i, c, h)
	}
}

// Bucket returns the table indices [lo, hi) of the members in bucket i
// of 2^bits: the ids whose top bits are i, contiguous in id order.
func (t *Table) Bucket(i, bits int) (lo, hi int) {
	start := uint64(i) << (64 - bits)
	lo, _ = t.Index(start)
	if i == 1<<bits-1 {
		return lo, len(t.list)
	}
	hi, _ = t.Index(uint64(i+1) << (64 - bits))
	return lo, hi
}

// TombsIn appends up to k burials that have not ended of ids in bucket i
// of 2^bits, newest first.
func (t *Table) TombsIn(dst []Tomb, i, bits, k int, now time.Time) []Tomb {
	for j := len(t.tombOrder) - 1; j >= 0 && k > 0; j-- {
		tb := t.tombs[t.tombOrder[j]]
		if message.DigestBucket(tb.ID, bits) == i && now.Before(tb.Until) {
			dst = append(dst, tb)
			k--
		}
	}
	return dst
}
