// Package amplify keeps a node from being a reflection amplifier: to an
// address that has sent it something but has not proved it receives what
// the node sends, the node sends only Acks and one small datagram asking
// it to prove itself (a challenge), within the bytes that came from that
// address plus Slack, and holds everything else back until it has.
//
// An address proves it receives by answering a datagram of the node's
// with that datagram's envelope seq (an Ack, or a Welcome naming a Hello):
// the seqs start at random (envelope.Config.SeqKey), so an address that
// names one has received it. Whoever spoofs a victim's source address gets
// the victim at most as many bytes as the spoofer sent.
//
// The Table remembers addresses exactly (a crafted address cannot pass for
// another), in a fixed-size, four-way set-associative cache allocated
// once: it never grows and allocates nothing after New. It holds
// addresses that are not members, and members that joined with a Hello
// until they prove themselves; a member known otherwise needs no entry.
// When a set is full the least recently used entry of an address merely
// heard from goes; one that joined, or proved itself, goes only for
// another that joins. An answer to a non-member the table does not hold
// has no credit.
package amplify

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"unsafe"
)

// Slack is how many bytes beyond what came from an unproven address may
// be sent to it: an Ack (12 bytes) to an empty Status or MemberList (10),
// which a member that does not know this node yet must get or it would
// remove this node as failed.
const Slack = 4

// ways is the associativity of the cache.
const ways = 4

type entry struct {
	addr      netip.AddrPort // the zero AddrPort: empty
	received  uint32         // bytes that came from the address (saturating)
	spent     uint32         // bytes of answers sent to it (saturating)
	used      uint32         // the table's clock when last touched
	challenge uint32         // seq of the datagram asking it to prove itself; 0: none
	proven    bool
	joined    bool // it sent a Hello before proving itself: a member on its own word
}

// Table is the cache of addresses. It is not safe for concurrent use.
type Table struct {
	sets     [][ways]entry
	mask     uint64
	seed     uint64 // keys the set index, so that no one can aim at a set
	clock    uint32
	suspects int // entries that joined and have not proved themselves

	// Withheld counts datagrams not sent to unproven addresses (held
	// back, or beyond their credit), and WithheldBytes their bytes.
	Withheld, WithheldBytes uint64
}

// New returns a table that holds about capacity addresses (rounded up to a
// power of two, at least 64). seed, random and secret, keys which set an
// address falls in: an attacker who could aim addresses at a set could
// evict a chosen entry.
func New(capacity int, seed uint64) *Table {
	n := 1 << bits.Len(uint(max(capacity, 64)-1))
	sets := n / ways
	return &Table{sets: make([][ways]entry, sets), mask: uint64(sets - 1), seed: seed}
}

// setOf returns the set an address falls in.
func (t *Table) setOf(a netip.AddrPort) *[ways]entry {
	b := a.Addr().As16()
	h := (binary.BigEndian.Uint64(b[8:])^t.seed)*0x9e3779b97f4a7c15 ^ binary.BigEndian.Uint64(b[:8]) ^ uint64(a.Port())
	h = (h ^ h>>29) * 0xbf58476d1ce4e5b9
	return &t.sets[(h^h>>32)&t.mask]
}

// find returns the entry of a, or nil.
func (t *Table) find(a netip.AddrPort) *entry {
	set := t.setOf(a)
	for i := range set {
		if set[i].addr == a {
			return &set[i]
		}
	}
	return nil
}

// slot returns the entry of a, taking one (emptied) if it is not held: an
// empty one, else the least recently used entry of an address merely
// heard from, else, only if protected, the least recently used one that
// joined with a Hello, then one that proved itself. It returns nil when
// nothing may be taken: an address merely heard from does not push out
// one that joined or proved itself, however many there are (a flood of
// spoofed sources cannot make the node forget either).
func (t *Table) slot(a netip.AddrPort, protected bool) *entry {
	set := t.setOf(a)
	victim := -1
	for i := range set {
		e := &set[i]
		switch {
		case e.addr == a:
			return e
		case !e.addr.IsValid():
			if victim < 0 || set[victim].addr.IsValid() {
				victim = i
			}
		case victim >= 0 && !set[victim].addr.IsValid():
		case victim < 0 || better(e, &set[victim]):
			victim = i
		}
	}
	v := &set[victim]
	if (v.proven || v.joined) && !protected {
		return nil
	}
	if v.joined && !v.proven {
		t.suspects--
	}
	*v = entry{addr: a}
	return v
}

// rank orders entries for eviction: heard from only, then joined, then
// proven.
func rank(e *entry) int {
	switch {
	case e.proven:
		return 2
	case e.joined:
		return 1
	}
	return 0
}

// better reports whether e is a better victim than v: the lower rank,
// then the one touched longer ago (the clock may wrap).
func better(e, v *entry) bool {
	if re, rv := rank(e), rank(v); re != rv {
		return re < rv
	}
	return int32(e.used-v.used) < 0
}

func (t *Table) touch(e *entry) {
	t.clock++
	e.used = t.clock
}

// Unproven reports whether a has sent this node something but has not
// proved it receives (the answers to it are then limited).
func (t *Table) Unproven(a netip.AddrPort) bool {
	e := t.find(a)
	return e != nil && !e.proven
}

// State is what the table knows of an address.
type State struct {
	Known     bool   // the table holds it: it sent this node something, or proved itself
	Proven    bool   // it proved it receives
	Suspect   bool   // it joined with a Hello and has not proved it receives
	Challenge uint32 // seq of the challenge waiting for its Ack, 0: none
}

// Lookup returns what the table knows of a, in one lookup.
func (t *Table) Lookup(a netip.AddrPort) State {
	e := t.find(a)
	if e == nil {
		return State{}
	}
	return State{Known: true, Proven: e.proven, Suspect: e.joined && !e.proven, Challenge: e.challenge}
}

// Joined records that a, unproven, sent a Hello: it is a member on its own
// word, and everything sent to it is limited until it proves itself. It
// takes an entry for a if need be, with the n bytes of the Hello as its
// credit, pushing out the oldest suspect of its set if that is all there
// is, or else a proven stranger.
func (t *Table) Joined(a netip.AddrPort, n int) {
	e := t.find(a)
	if e == nil {
		if e = t.slot(a, true); e == nil {
			return
		}
		e.received = satAdd(0, n) // the Hello's own bytes: Received could not hold it
	}
	if !e.proven && !e.joined {
		t.touch(e)
		e.joined = true
		t.suspects++
	}
}

// Suspects returns how many addresses joined with a Hello and have not
// proved they receive: when none has, the service skips the lookups.
func (t *Table) Suspects() int { return t.suspects }

// Suspect reports whether a joined with a Hello and has not proved it
// receives yet.
func (t *Table) Suspect(a netip.AddrPort) bool {
	e := t.find(a)
	return e != nil && e.joined && !e.proven
}

// Received records n bytes that came from a, credit for answers to a
// while it has not proved it receives, and reports whether what is sent to
// a is limited: it has not proved itself, or it is a stranger the table
// could not hold. A member of the node's needs no entry unless it joined
// on its own word: with held (a member), only an address the table holds
// already is credited.
func (t *Table) Received(a netip.AddrPort, n int, held bool) (limited bool) {
	var e *entry
	if held {
		e = t.find(a)
	} else {
		e = t.slot(a, false)
	}
	if e == nil {
		return !held // a stranger not held: limited, with no credit
	}
	t.touch(e)
	if !e.proven {
		e.received = satAdd(e.received, n)
	}
	return !e.proven
}

// Prove records that a has proved it receives: answers to it are no
// longer limited. A member needs no entry then (what is sent to members is
// not limited), so the entry of one is dropped, making room; a stranger's
// is kept, marked proven.
func (t *Table) Prove(a netip.AddrPort, member bool) {
	e := t.find(a)
	if e == nil {
		return // nothing was limited
	}
	if e.joined && !e.proven {
		t.suspects--
	}
	if member {
		*e = entry{}
		return
	}
	t.touch(e)
	e.proven, e.challenge, e.joined = true, 0, false
}

// Allow reports whether a datagram of n bytes (an Ack or a challenge) may
// be sent to a, and if so charges it: always for a proven address; for an
// unproven one, while what is sent to it stays within the bytes that came
// from it plus Slack; never for one the table has forgotten. A refused one
// is counted as withheld.
func (t *Table) Allow(a netip.AddrPort, n int) bool {
	e := t.find(a)
	if e != nil && e.proven {
		return true
	}
	if e == nil { // forgotten: no credit left
		t.Hold(n)
		return false
	}
	if uint64(e.spent)+uint64(n) <= uint64(e.received)+Slack {
		e.spent = satAdd(e.spent, n)
		return true
	}
	t.Hold(n)
	return false
}

// Hold counts a datagram of n bytes withheld from an unproven address.
func (t *Table) Hold(n int) {
	t.Withheld++
	t.WithheldBytes += uint64(n)
}

// SetChallenge records the seq of the datagram that asks a to prove
// itself.
func (t *Table) SetChallenge(a netip.AddrPort, seq uint32) {
	if e := t.find(a); e != nil {
		t.touch(e)
		e.challenge = seq
	}
}

// Challenge returns the seq recorded by SetChallenge for a, if any.
func (t *Table) Challenge(a netip.AddrPort) (uint32, bool) {
	if e := t.find(a); e != nil && e.challenge != 0 {
		return e.challenge, true
	}
	return 0, false
}

// Footprint approximates the bytes the table holds.
func (t *Table) Footprint() int { return len(t.sets) * ways * int(unsafe.Sizeof(entry{})) }

func satAdd(a uint32, n int) uint32 {
	if s := uint64(a) + uint64(n); s < 1<<32 {
		return uint32(s)
	}
	return 1<<32 - 1
}
