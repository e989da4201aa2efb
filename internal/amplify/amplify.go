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
// The Table remembers addresses by a 64-bit key, in a fixed-size,
// four-way set-associative cache allocated once: it never grows and
// allocates nothing after New. When a set is full the least recently used
// unproven entry goes; a proven one goes only to make room for another
// proof (it proves itself again at its next answer), never for an address
// merely heard from. An answer to an address the table does not hold has
// no credit; other traffic to it is the node's own (it reaches out to a
// member), and any answer to that proves the address.
package amplify

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Slack is how many bytes beyond what came from an unproven address may
// be sent to it: an Ack (12 bytes) to an empty Status or MemberList (10),
// which a member that does not know this node yet must get or it would
// remove this node as failed.
const Slack = 4

// ways is the associativity of the cache.
const ways = 4

type entry struct {
	key       uint64 // 0: empty
	received  uint32 // bytes that came from the address (saturating)
	spent     uint32 // bytes of answers sent to it (saturating)
	used      uint32 // the table's clock when last touched
	challenge uint32 // seq of the datagram asking it to prove itself; 0: none
	proven    bool
	joined    bool // it sent a Hello before proving itself: a member on its own word
}

// Table is the cache of addresses. It is not safe for concurrent use.
type Table struct {
	sets  [][ways]entry
	mask  uint64
	clock uint32

	// Withheld counts datagrams not sent to unproven addresses (held
	// back, or beyond their credit), and WithheldBytes their bytes.
	Withheld, WithheldBytes uint64
}

// New returns a table that holds about capacity addresses (rounded up to a
// power of two, at least 64).
func New(capacity int) *Table {
	n := 1 << bits.Len(uint(max(capacity, 64)-1))
	sets := n / ways
	return &Table{sets: make([][ways]entry, sets), mask: uint64(sets - 1)}
}

// Key returns the table's key of an address: equal addresses, equal keys
// (an IPv4 address and its IPv4-mapped IPv6 form, the same endpoint,
// share one); distinct ones collide with negligible probability; never 0.
func Key(a netip.AddrPort) uint64 {
	b := a.Addr().As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	return mix(mix(hi)^lo^uint64(a.Port())<<48) | 1
}

// mix is the finaliser of SplitMix64.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// find returns the entry of key, or nil.
func (t *Table) find(key uint64) *entry {
	set := &t.sets[(key>>32^key)&t.mask]
	for i := range set {
		if set[i].key == key {
			return &set[i]
		}
	}
	return nil
}

// slot returns the entry of key, taking one (emptied) if it is not held:
// an empty one, else the least recently used unproven one, else, only if
// evictProven, the least recently used proven one. It returns nil when
// nothing may be taken: an unproven address does not push a proven one
// out, however many there are (a flood of spoofed sources cannot make the
// node forget who proved itself).
func (t *Table) slot(key uint64, evictProven bool) *entry {
	set := &t.sets[(key>>32^key)&t.mask]
	victim := -1
	for i := range set {
		e := &set[i]
		switch {
		case e.key == key:
			return e
		case e.key == 0:
			if victim < 0 || set[victim].key != 0 {
				victim = i
			}
		case victim >= 0 && set[victim].key == 0:
		case victim < 0 || better(e, &set[victim]):
			victim = i
		}
	}
	if set[victim].proven && !evictProven {
		return nil
	}
	set[victim] = entry{key: key}
	return &set[victim]
}

// better reports whether e is a better victim than v: unproven before
// proven, then the one touched longer ago (the clock may wrap).
func better(e, v *entry) bool {
	if e.proven != v.proven {
		return !e.proven
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
	e := t.find(Key(a))
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
	e := t.find(Key(a))
	if e == nil {
		return State{}
	}
	return State{Known: true, Proven: e.proven, Suspect: e.joined && !e.proven, Challenge: e.challenge}
}

// Joined records that a, unproven, sent a Hello: it is a member on its own
// word, and everything sent to it is limited until it proves itself.
func (t *Table) Joined(a netip.AddrPort) {
	if e := t.find(Key(a)); e != nil && !e.proven {
		t.touch(e)
		e.joined = true
	}
}

// Suspect reports whether a joined with a Hello and has not proved it
// receives yet.
func (t *Table) Suspect(a netip.AddrPort) bool {
	e := t.find(Key(a))
	return e != nil && e.joined && !e.proven
}

// Received records n bytes that came from a, credit for answers to a
// while it has not proved it receives, and reports whether it has.
func (t *Table) Received(a netip.AddrPort, n int) (proven bool) {
	e := t.slot(Key(a), false)
	if e == nil {
		return false // not held: no credit
	}
	t.touch(e)
	if !e.proven {
		e.received = satAdd(e.received, n)
	}
	return e.proven
}

// Prove records that a has proved it receives: answers to it are no
// longer limited.
func (t *Table) Prove(a netip.AddrPort) {
	e := t.slot(Key(a), true)
	t.touch(e)
	e.proven, e.challenge, e.joined = true, 0, false
}

// Allow reports whether a datagram of n bytes (an Ack or a challenge) may
// be sent to a, and if so charges it: always for a proven address; for an
// unproven one, while what is sent to it stays within the bytes that came
// from it plus Slack; never for one the table has forgotten. A refused one
// is counted as withheld.
func (t *Table) Allow(a netip.AddrPort, n int) bool {
	e := t.find(Key(a))
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
	if e := t.find(Key(a)); e != nil {
		t.touch(e)
		e.challenge = seq
	}
}

// Challenge returns the seq recorded by SetChallenge for a, if any.
func (t *Table) Challenge(a netip.AddrPort) (uint32, bool) {
	if e := t.find(Key(a)); e != nil && e.challenge != 0 {
		return e.challenge, true
	}
	return 0, false
}

// Footprint approximates the bytes the table holds.
func (t *Table) Footprint() int { return len(t.sets) * ways * 32 }

func satAdd(a uint32, n int) uint32 {
	if s := uint64(a) + uint64(n); s < 1<<32 {
		return uint32(s)
	}
	return 1<<32 - 1
}
