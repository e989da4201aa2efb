// Package datalog keeps the most recent Data datagrams a node has seen, so
// anti-entropy can resend what a peer lacks.
//
// The log is bounded by bytes, not entries: a burst of small payloads and a
// few full-size ones cost what they weigh. Entries are whole encoded Data
// datagrams kept contiguous in a byte ring; when a new entry does not fit,
// the oldest ones are dropped until it does. A ring is allocated on its
// first Append and never grows.
//
// Entries come in two classes, each in a ring of its own: those of member
// origins (this node's own and its members': Append) and those of origins
// the node does not know (AppendStranger). Anyone can forge Data of an
// invented origin on a plaintext cluster; if such entries could push out
// the members', a burst of them would erase the log a node that missed
// payloads must be repaired from. So a stranger's entry takes only room
// the members' entries leave free (and at most a quarter of the bound),
// and a member's entry pushes strangers' out first.
package datalog

// Entry describes one logged datagram.
type Entry struct {
	Origin uint64
	Seq    uint32
	// Pos is the entry's place among every datagram ever appended,
	// from 1: entries with a Pos above Appended() at some moment were
	// logged after it.
	Pos uint64
	off int
	n   int
}

// Log is the byte-bounded data log. It is not safe for concurrent use.
type Log struct {
	max       int
	members   ring
	strangers ring
	pos       uint64
	Dropped   uint64 // entries dropped to make room (or not kept: a stranger's, with no room)
}

// Appended returns how many datagrams were ever appended: the Pos of the
// latest entry.
func (l *Log) Appended() uint64 { return l.pos }

// New returns an empty log of at most max bytes.
func New(max int) *Log {
	return &Log{max: max, members: ring{max: max}, strangers: ring{max: max / 4}}
}

// Len returns the number of entries.
func (l *Log) Len() int { return l.members.count + l.strangers.count }

// Bytes returns the bytes held by entries.
func (l *Log) Bytes() int { return l.members.bytes + l.strangers.bytes }

// At returns the i-th entry and its datagram: the members' entries first,
// then the strangers', each oldest first. The slice aliases the log and
// is valid until the next Append.
func (l *Log) At(i int) (Entry, []byte) {
	if i < l.members.count {
		return l.members.get(i)
	}
	return l.strangers.get(i - l.members.count)
}

// Append copies the datagram of a member origin (this node or one of its
// members) into the log, dropping strangers' entries first and then the
// oldest members' to make room. A datagram larger than the whole log is
// not kept.
func (l *Log) Append(origin uint64, seq uint32, datagram []byte) {
	n := len(datagram)
	if n == 0 || n > l.max {
		return
	}
	for l.strangers.count > 0 && l.Bytes()+n > l.max {
		l.strangers.popOldest()
		l.Dropped++
	}
	l.pos++
	l.Dropped += l.members.append(Entry{Origin: origin, Seq: seq, Pos: l.pos}, datagram)
}

// AppendStranger copies the datagram of an origin this node does not know
// into the log, in the room the members' entries leave free and within a
// quarter of the bound, dropping older strangers' entries to make room but
// never a member's. Without room it is not kept (and counted as dropped).
func (l *Log) AppendStranger(origin uint64, seq uint32, datagram []byte) {
	n := len(datagram)
	if n == 0 || n > l.strangers.max {
		return
	}
	l.pos++
	l.Dropped += l.strangers.append(Entry{Origin: origin, Seq: seq, Pos: l.pos}, datagram)
	for l.strangers.count > 0 && l.Bytes() > l.max {
		l.strangers.popOldest()
		l.Dropped++
	}
}

// ring is one class of entries: a byte ring of whole datagrams, oldest
// dropped first.
type ring struct {
	max     int
	buf     []byte
	entries []Entry // a ring: entries[head], ... oldest first
	head    int
	count   int
	bytes   int // held by entries
	w       int // where the next entry is written
}

func (l *ring) at(i int) *Entry { return &l.entries[(l.head+i)%len(l.entries)] }

func (l *ring) get(i int) (Entry, []byte) {
	e := l.at(i)
	return *e, l.buf[e.off : e.off+e.n]
}

// append copies datagram (at most max bytes, not empty) into the ring as
// entry e, dropping the oldest entries to make room, and returns how many
// it dropped.
func (l *ring) append(e Entry, datagram []byte) (dropped uint64) {
	n := len(datagram)
	if l.buf == nil {
		l.buf = make([]byte, l.max)
	}
	for {
		if l.count == 0 {
			l.w = 0
		}
		off, ok := l.place(n)
		if ok {
			copy(l.buf[off:], datagram)
			e.off, e.n = off, n
			l.push(e)
			l.w = off + n
			return dropped
		}
		l.popOldest()
		dropped++
	}
}

// place finds room for n bytes at the write point, or at the start of the
// ring when the tail is too short, without overlapping a live entry.
func (l *ring) place(n int) (int, bool) {
	if l.count == 0 {
		return 0, true
	}
	oldest := l.at(0).off
	if l.w > oldest { // live bytes are [oldest, w): free space at both ends
		if l.w+n <= l.max {
			return l.w, true
		}
		if n <= oldest {
			return 0, true
		}
		return 0, false
	}
	// Wrapped: live bytes are [oldest, max) and [0, w).
	if l.w+n <= oldest {
		return l.w, true
	}
	return 0, false
}

func (l *ring) push(e Entry) {
	if l.count == len(l.entries) {
		grown := make([]Entry, max(8, 2*len(l.entries)))
		for i := range l.count {
			grown[i] = *l.at(i)
		}
		l.entries, l.head = grown, 0
	}
	l.entries[(l.head+l.count)%len(l.entries)] = e
	l.count++
	l.bytes += e.n
}

func (l *ring) popOldest() {
	l.bytes -= l.at(0).n
	l.head = (l.head + 1) % len(l.entries)
	l.count--
}

// Footprint approximates the bytes the log holds.
func (l *Log) Footprint() int {
	return cap(l.members.buf) + cap(l.members.entries)*32 + cap(l.strangers.buf) + cap(l.strangers.entries)*32
}
