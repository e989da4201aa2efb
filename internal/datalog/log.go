// Package datalog keeps the most recent Data datagrams a node has seen, so
// anti-entropy can resend what a peer lacks.
//
// The log is bounded by bytes, not entries: a burst of small payloads and a
// few full-size ones cost what they weigh. Entries are whole encoded Data
// datagrams kept contiguous in one byte ring; when a new entry does not
// fit, the oldest ones are dropped until it does. The ring is allocated on
// the first Append and never grows.
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
	max     int
	buf     []byte
	entries []Entry // a ring: entries[head], ... oldest first
	head    int
	count   int
	w       int // where the next entry is written
	pos     uint64
	Dropped uint64
}

// Appended returns how many datagrams were ever appended: the Pos of the
// latest entry.
func (l *Log) Appended() uint64 { return l.pos }

// New returns an empty log of at most max bytes.
func New(max int) *Log { return &Log{max: max} }

// Len returns the number of entries.
func (l *Log) Len() int { return l.count }

// Bytes returns the bytes held by entries.
func (l *Log) Bytes() int {
	n := 0
	for i := range l.count {
		n += l.at(i).n
	}
	return n
}

func (l *Log) at(i int) *Entry { return &l.entries[(l.head+i)%len(l.entries)] }

// At returns the i-th entry, oldest first, and its datagram. The slice
// aliases the log and is valid until the next Append.
func (l *Log) At(i int) (Entry, []byte) {
	e := l.at(i)
	return *e, l.buf[e.off : e.off+e.n]
}

// Append copies datagram into the log, dropping the oldest entries to make
// room. A datagram larger than the whole log is not kept.
func (l *Log) Append(origin uint64, seq uint32, datagram []byte) {
	n := len(datagram)
	if n == 0 || n > l.max {
		return
	}
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
			l.pos++
			l.push(Entry{Origin: origin, Seq: seq, Pos: l.pos, off: off, n: n})
			l.w = off + n
			return
		}
		l.popOldest()
	}
}

// place finds room for n bytes at the write point, or at the start of the
// ring when the tail is too short, without overlapping a live entry.
func (l *Log) place(n int) (int, bool) {
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

func (l *Log) push(e Entry) {
	if l.count == len(l.entries) {
		grown := make([]Entry, max(8, 2*len(l.entries)))
		for i := range l.count {
			grown[i] = *l.at(i)
		}
		l.entries, l.head = grown, 0
	}
	l.entries[(l.head+l.count)%len(l.entries)] = e
	l.count++
}

func (l *Log) popOldest() {
	l.head = (l.head + 1) % len(l.entries)
	l.count--
	l.Dropped++
}

// Footprint approximates the bytes the log holds.
func (l *Log) Footprint() int { return cap(l.buf) + cap(l.entries)*32 }
