package envelope

import (
	"errors"
	"math/bits"
	"net/netip"
	"time"
	"unsafe"

	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// Config bounds a Queue.
type Config struct {
	// MaxMessages is the number of distinct messages the queue holds
	// (MaxOutboundMessages). At least 1.
	MaxMessages int
	// MaxEnvelopes is the number of envelopes the queue holds across all
	// messages. At least MaxMessages.
	MaxEnvelopes int
	// MessageSize is the size of each message buffer: the largest datagram.
	MessageSize int
	// RetryInterval is the wait between attempts, and after the last
	// attempt before the envelope expires.
	RetryInterval time.Duration
	// SeqKey is XORed into every seq the queue hands out, so that seqs
	// start at a random value and a blind forger cannot guess the one an
	// Ack or a Welcome must name (an envelope's slot and reuse count, which
	// the seq encodes, are small and predictable). The service draws it
	// from Config.Rand, so a run stays the same run for a seed. Zero keeps
	// the bare slot and count (tests).
	SeqKey uint32
	// MaxHolds is how many times in a row (RetryInterval apart) the send
	// function may hold back a single-attempt envelope (ErrWithheld)
	// before it is dropped unsent. Zero means 3.
	MaxHolds int
}

// Stats counts what a Queue did.
type Stats struct {
	Sent      uint64 // datagrams handed to the transport
	Retries   uint64 // of Sent, the attempts after the first
	Acked     uint64 // envelopes removed by a matching Ack
	Expired   uint64 // envelopes that used every attempt unacknowledged
	Evicted   uint64 // messages evicted, oldest first, to make room
	Discarded uint64 // envelopes evicted with those messages
	Dropped   uint64 // envelopes refused because nothing could be evicted
	Withheld  uint64 // attempts the send function held back (ErrWithheld) or dropped (ErrDropped)
	Unsent    uint64 // single-attempt envelopes dropped after MaxHolds holds
	Peak      int    // the most envelopes held at once
}

// Errors a SendDue send function may return to keep a datagram from the
// network without it being a transport failure.
var (
	// ErrWithheld holds the datagram back until Release: nothing is sent.
	// For an envelope of several attempts the attempt counts as made (it
	// retries and expires as if the datagram had been lost) and Release
	// gives it back; a single-attempt envelope, or one held behind another
	// address (HoldBehind), stays, due again RetryInterval later, until
	// Release or MaxHolds holds, and is then dropped unsent (Unsent).
	ErrWithheld = errors.New("envelope: datagram held back")
	// ErrDropped drops the datagram: nothing is sent, and the attempt
	// counts as made and lost.
	ErrDropped = errors.New("envelope: datagram dropped")
)

// Msg names a message slot returned by Open.
type Msg int32

type slot struct {
	buf      []byte // allocated on first use, then reused
	n        int
	typ      message.Type
	refs     int
	born     uint64 // order of Open calls: the smallest is the oldest
	used     bool
	building bool // between Open and Close: not evictable
	retyped  bool // some recipient gets it under another type (AddAs)
}

// Queue is the bounded outbound queue. It is not safe for concurrent use.
type Queue struct {
	cfg       Config
	slots     []slot
	freeSlots []Msg
	envs      []Out
	freeEnvs  []int32
	idxBits   uint
	live      int
	first     int32 // oldest live envelope, -1 when none
	last      int32 // newest live envelope
	born      uint64
	envBorn   uint64 // envelopes created so far (Mark)
	held      int    // live envelopes held back (ErrWithheld) or behind an address
	stats     Stats
}

// New returns an empty queue. It panics on a Config that violates the
// bounds documented on its fields: the service validates them first.
func New(cfg Config) *Queue {
	if cfg.MaxMessages < 1 || cfg.MaxEnvelopes < cfg.MaxMessages || cfg.MessageSize < message.HeaderSize || cfg.RetryInterval <= 0 {
		panic("envelope: invalid Config")
	}
	q := &Queue{
		cfg:     cfg,
		slots:   make([]slot, cfg.MaxMessages),
		idxBits: uint(bits.Len(uint(cfg.MaxEnvelopes - 1))),
		first:   -1,
		last:    -1,
	}
	if q.idxBits > 24 {
		panic("envelope: MaxEnvelopes above 2^24")
	}
	q.freeSlots = make([]Msg, 0, cfg.MaxMessages)
	for i := cfg.MaxMessages - 1; i >= 0; i-- {
		q.freeSlots = append(q.freeSlots, Msg(i))
	}
	return q
}

// Open reserves a message slot, evicting the oldest message when every slot
// is taken, and returns the buffer to encode the message into (MessageSize
// bytes). Call Commit with the encoded length, Add per recipient, then
// Close.
func (q *Queue) Open() (Msg, []byte) {
	if len(q.freeSlots) == 0 {
		q.evictOldest(-1)
	}
	m := q.freeSlots[len(q.freeSlots)-1]
	q.freeSlots = q.freeSlots[:len(q.freeSlots)-1]
	s := &q.slots[m]
	if s.buf == nil {
		s.buf = make([]byte, q.cfg.MessageSize)
	}
	q.born++
	*s = slot{buf: s.buf, born: q.born, used: true, building: true}
	return m, s.buf
}

// Commit records the encoded length and type of an open message.
func (q *Queue) Commit(m Msg, n int, t message.Type) {
	q.slots[m].n = n
	q.slots[m].typ = t
}

// Add gives an open message one more recipient, due at once, and returns
// the envelope's seq. It returns false, counting the envelope as dropped,
// when the envelope table is full and no other message can be evicted.
// Its retries come every Config.RetryInterval.
func (q *Queue) Add(m Msg, to netip.AddrPort, toID uint64, maxAttempts int, now time.Time) (uint32, bool) {
	return q.AddEvery(m, to, toID, maxAttempts, 0, now)
}

// AddEvery is Add with retries every interval instead of
// Config.RetryInterval (0: the default).
func (q *Queue) AddEvery(m Msg, to netip.AddrPort, toID uint64, maxAttempts int, interval time.Duration, now time.Time) (uint32, bool) {
	return q.AddAt(m, to, toID, maxAttempts, interval, now)
}

// AddAs is Add for a recipient whose datagram goes out under type t
// rather than the message's own, with the same body: a Data sent as a
// Copy, which its receiver does not acknowledge. The other recipients'
// datagrams keep the message's type.
func (q *Queue) AddAs(m Msg, t message.Type, to netip.AddrPort, toID uint64, maxAttempts int, now time.Time) (uint32, bool) {
	seq, ok := q.AddAt(m, to, toID, maxAttempts, 0, now)
	if ok {
		q.envs[q.slotOf(seq)].Type = t
		q.slots[m].retyped = true
	}
	return seq, ok
}

// AddAt is AddEvery with the first attempt due at due rather than at
// once: a fallback that goes out only if something else is not answered
// first (the caller cancels it then).
func (q *Queue) AddAt(m Msg, to netip.AddrPort, toID uint64, maxAttempts int, interval time.Duration, due time.Time) (uint32, bool) {
	i, ok := q.takeEnvelope(m)
	if !ok {
		q.stats.Dropped++
		return 0, false
	}
	e := &q.envs[i]
	// The slot's previous seq, unkeyed, gives its reuse count; a slot
	// never used (Seq 0: no seq is 0) starts at 1.
	gen := uint32(1)
	if e.Seq != 0 {
		gen = (e.Seq^q.cfg.SeqKey)>>q.idxBits + 1
	}
	var seq uint32
	for {
		if gen<<q.idxBits>>q.idxBits != gen || gen == 0 {
			gen = 1 // the reuse count wrapped
		}
		if seq = (gen<<q.idxBits | uint32(i)) ^ q.cfg.SeqKey; seq != 0 {
			break // no seq is 0
		}
		gen++
	}
	s := &q.slots[m]
	q.envBorn++
	*e = Out{
		To:          to,
		ToID:        toID,
		Seq:         seq,
		Type:        s.typ,
		MaxAttempts: maxAttempts,
		Interval:    interval,
		Due:         due,
		msg:         int32(m),
		born:        q.envBorn,
		prev:        q.last,
		next:        -1,
		live:        true,
	}
	if q.last >= 0 {
		q.envs[q.last].next = i
	} else {
		q.first = i
	}
	q.last = i
	s.refs++
	q.live++
	q.stats.Peak = max(q.stats.Peak, q.live)
	return e.Seq, true
}

// Close ends the building of a message. A message without recipients is
// released at once.
func (q *Queue) Close(m Msg) {
	s := &q.slots[m]
	s.building = false
	if s.refs == 0 {
		q.releaseSlot(m)
	}
}

func (q *Queue) takeEnvelope(building Msg) (int32, bool) {
	if len(q.freeEnvs) == 0 && len(q.envs) < q.cfg.MaxEnvelopes {
		q.envs = append(q.envs, Out{})
		return int32(len(q.envs) - 1), true
	}
	if len(q.freeEnvs) == 0 && !q.evictOldest(building) {
		return 0, false
	}
	i := q.freeEnvs[len(q.freeEnvs)-1]
	q.freeEnvs = q.freeEnvs[:len(q.freeEnvs)-1]
	return i, true
}

// evictOldest evicts the oldest message other than keep and the ones being
// built, with all its envelopes. It reports whether one was evicted.
func (q *Queue) evictOldest(keep Msg) bool {
	oldest := Msg(-1)
	for i := range q.slots {
		s := &q.slots[i]
		if !s.used || s.building || Msg(i) == keep {
			continue
		}
		if oldest < 0 || s.born < q.slots[oldest].born {
			oldest = Msg(i)
		}
	}
	if oldest < 0 {
		return false
	}
	q.stats.Evicted++
	for i := range q.envs {
		if e := &q.envs[i]; e.live && Msg(e.msg) == oldest {
			q.stats.Discarded++
			q.remove(int32(i))
		}
	}
	if q.slots[oldest].used { // a message with no envelopes left
		q.releaseSlot(oldest)
	}
	return true
}

func (q *Queue) remove(i int32) {
	e := &q.envs[i]
	e.live = false
	if e.held > 0 || e.withheld > 0 {
		q.held--
	}
	if e.prev >= 0 {
		q.envs[e.prev].next = e.next
	} else {
		q.first = e.next
	}
	if e.next >= 0 {
		q.envs[e.next].prev = e.prev
	} else {
		q.last = e.prev
	}
	q.live--
	q.freeEnvs = append(q.freeEnvs, i)
	m := Msg(e.msg)
	s := &q.slots[m]
	s.refs--
	if s.refs == 0 && !s.building {
		q.releaseSlot(m)
	}
}

func (q *Queue) releaseSlot(m Msg) {
	q.slots[m].used = false
	q.freeSlots = append(q.freeSlots, m)
}

// SendDue hands every envelope whose next attempt is due at now to send,
// with its seq already written into the shared datagram, and schedules the
// next attempt RetryInterval later. An envelope on its last attempt stays,
// waiting for its Ack until it expires, unless it allows a single attempt,
// in which case it is removed once sent.
//
// ErrWithheld and ErrDropped keep a datagram back (see them). A send
// error of transport.ErrWouldBlock stops the pass and leaves the
// envelope due; any other error still counts as an attempt (the network
// lost the datagram, as it may) and the pass goes on. SendDue returns the
// number of datagrams sent and the first error other than ErrWouldBlock.
func (q *Queue) SendDue(now time.Time, send func(e *Out, datagram []byte) error) (int, error) {
	sent := 0
	var firstErr error
	for i := q.first; i >= 0; {
		e := &q.envs[i]
		next := e.next
		if e.Exhausted() || e.Due.After(now) {
			i = next
			continue
		}
		b := q.datagram(e)
		err := send(e, b)
		if errors.Is(err, transport.ErrWouldBlock) {
			return sent, firstErr
		}
		switch {
		case err == ErrWithheld && (e.MaxAttempts <= 1 || e.behind.IsValid()):
			q.stats.Withheld++
			if e.held == 0 && e.withheld == 0 {
				q.held++
			}
			e.held++
			e.Due = now.Add(q.cfg.RetryInterval)
			if e.held >= q.maxHolds() {
				q.stats.Unsent++
				q.remove(i)
			}
			i = next
			continue
		case err == ErrWithheld:
			q.stats.Withheld++
			if e.held == 0 && e.withheld == 0 {
				q.held++
			}
			e.withheld++
		case err == ErrDropped:
			q.stats.Withheld++
		default:
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if err == nil {
				sent++
				q.stats.Sent++
			}
			if e.Attempt > e.withheld {
				q.stats.Retries++
			}
		}
		e.Attempt++
		e.LastAttempt = now
		if e.Interval > 0 {
			e.Due = now.Add(e.Interval)
		} else {
			e.Due = now.Add(q.cfg.RetryInterval)
		}
		if e.MaxAttempts <= 1 {
			q.remove(i)
		}
		i = next
	}
	return sent, firstErr
}

// Expire removes every envelope whose attempts are all made and whose
// wait for an Ack has run out, calling expired with a copy of each first.
// It returns how many expired. Each envelope is removed before its call,
// and the callback may change the queue (drop or queue envelopes).
func (q *Queue) Expire(now time.Time, expired func(e Out)) int {
	n := 0
	for i := q.first; i >= 0; {
		e := &q.envs[i]
		next := e.next
		if !e.Exhausted() || e.Due.After(now) {
			i = next
			continue
		}
		gone := *e
		q.remove(i)
		i = next
		q.stats.Expired++
		n++
		if expired != nil {
			var nextSeq uint32
			if next >= 0 {
				nextSeq = q.envs[next].Seq
			}
			expired(gone)
			// The callback may change the queue: the failure detector
			// drops everything queued to the failed member, which may be
			// the envelope to visit next. Then start over from the oldest;
			// the ones passed over are not due and are skipped again.
			if next >= 0 && (!q.envs[next].live || q.envs[next].Seq != nextSeq) {
				i = q.first
			}
		}
	}
	return n
}

// Next returns the earliest time at which an envelope is due, to send or
// to expire, and false when the queue is empty.
func (q *Queue) Next() (time.Time, bool) {
	var t time.Time
	found := false
	for i := q.first; i >= 0; i = q.envs[i].next {
		e := &q.envs[i]
		if !found || e.Due.Before(t) {
			t, found = e.Due, true
		}
	}
	return t, found
}

// Ack removes the envelope named by seq when from is its recipient, and
// returns a copy of it. An Ack from anyone else, or for an envelope that is
// gone, changes nothing and returns false.
func (q *Queue) Ack(seq uint32, from netip.AddrPort) (Out, bool) {
	i := q.slotOf(seq)
	if int(i) >= len(q.envs) {
		return Out{}, false
	}
	e := &q.envs[i]
	if !e.live || e.Seq != seq || e.To != from {
		return Out{}, false
	}
	gone := *e
	q.remove(i)
	q.stats.Acked++
	return gone, true
}

// Lookup returns a copy of the envelope Ack(seq, from) would remove,
// without removing it, so a caller can check its type first.
func (q *Queue) Lookup(seq uint32, from netip.AddrPort) (Out, bool) {
	i := q.slotOf(seq)
	if int(i) >= len(q.envs) {
		return Out{}, false
	}
	if e := &q.envs[i]; e.live && e.Seq == seq && e.To == from {
		return *e, true
	}
	return Out{}, false
}

// Release gives back the attempts held back (ErrWithheld) from the
// envelopes addressed to to, or held behind it, which has proved itself,
// and makes those due at now. It returns how many it released.
func (q *Queue) Release(to netip.AddrPort, now time.Time) int {
	n := 0
	for i := q.first; i >= 0; i = q.envs[i].next {
		e := &q.envs[i]
		behind := e.behind == to
		if e.To != to && !behind {
			continue
		}
		if behind {
			e.behind = netip.AddrPort{}
		} else {
			e.Answer = false
		}
		if e.withheld == 0 && e.held == 0 {
			continue
		}
		e.Attempt -= e.withheld
		e.withheld, e.held = 0, 0
		e.Due = now
		q.held--
		n++
	}
	return n
}

// Held returns how many live envelopes are held back (ErrWithheld): when
// none is, the caller need not Release.
func (q *Queue) Held() int { return q.held }

// Acked returns how many envelopes an Ack has removed so far (Stats.Acked,
// without copying the Stats).
func (q *Queue) Acked() uint64 { return q.stats.Acked }

// Mark returns the number of envelopes created so far, for HoldBehind.
func (q *Queue) Mark() uint64 { return q.envBorn }

// MarkAnswers marks as answers (Out.Answer) the live envelopes created
// since mark (a value of Mark) and addressed to to, and returns how many it
// marked. The service calls it after handling a datagram from an address
// that has not proved it receives.
func (q *Queue) MarkAnswers(mark uint64, to netip.AddrPort) int {
	n := 0
	for i := q.last; i >= 0; i = q.envs[i].prev {
		e := &q.envs[i]
		if e.born <= mark {
			break
		}
		if e.To == to {
			e.Answer = true
			n++
		}
	}
	return n
}

// HoldBehind makes the live envelopes of type t created since mark (a
// value of Mark) and addressed to anyone but addr wait until addr proves
// itself (Release(addr)); the send function holds them back meanwhile
// (see Out.Behind). The service uses it for the announcement of a
// newcomer, which must not tell the cluster of an address that has not
// shown it receives. It returns how many it held.
func (q *Queue) HoldBehind(mark uint64, addr netip.AddrPort, t message.Type) int {
	n := 0
	for i := q.last; i >= 0; i = q.envs[i].prev {
		e := &q.envs[i]
		if e.born <= mark {
			break
		}
		if e.To != addr && e.Type == t {
			e.behind = addr
			n++
		}
	}
	return n
}

func (q *Queue) maxHolds() int {
	if q.cfg.MaxHolds > 0 {
		return q.cfg.MaxHolds
	}
	return 3
}

// slotOf returns the envelope slot a seq names (its low bits, unkeyed).
func (q *Queue) slotOf(seq uint32) int32 {
	return int32((seq ^ q.cfg.SeqKey) & (1<<q.idxBits - 1))
}

// DropTo removes every envelope addressed to to (a member that left or
// failed) and returns how many it removed.
func (q *Queue) DropTo(to netip.AddrPort) int {
	n := 0
	for i := range q.envs {
		if e := &q.envs[i]; e.live && e.To == to {
			q.remove(int32(i))
			n++
		}
	}
	return n
}

// Len returns the number of envelopes waiting to be sent or acknowledged.
func (q *Queue) Len() int { return q.live }

// Messages returns the number of distinct messages held.
func (q *Queue) Messages() int { return q.cfg.MaxMessages - len(q.freeSlots) }

// Stats returns the queue's counters.
func (q *Queue) Stats() Stats { return q.stats }

// Envelopes appends a copy of every live envelope to dst, in slot order,
// for tests and diagnostics.
func (q *Queue) Envelopes(dst []Out) []Out {
	for i := range q.envs {
		if q.envs[i].live {
			dst = append(dst, q.envs[i])
		}
	}
	return dst
}

// Datagram returns the shared encoded message of a live envelope with the
// envelope's seq written in: the bytes its next attempt will send. The
// slice aliases the queue's buffer.
func (q *Queue) Datagram(e Out) []byte { return q.datagram(&e) }

func (q *Queue) datagram(e *Out) []byte {
	s := &q.slots[e.msg]
	b := s.buf[:s.n]
	message.PutSeq(b, e.Seq)
	if s.retyped {
		message.PutType(b, e.Type)
	}
	return b
}

// Pending returns the number of live envelopes of message type t.
func (q *Queue) Pending(t message.Type) int {
	n := 0
	for i := range q.envs {
		if q.envs[i].live && q.envs[i].Type == t {
			n++
		}
	}
	return n
}

// DropAll removes every envelope and message: the node left or closed.
func (q *Queue) DropAll() {
	for i := range q.envs {
		if q.envs[i].live {
			q.remove(int32(i))
		}
	}
}

// PendingTo reports whether a live envelope of type t is addressed to to.
func (q *Queue) PendingTo(to netip.AddrPort, t message.Type) bool {
	for i := q.first; i >= 0; i = q.envs[i].next {
		if e := &q.envs[i]; e.To == to && e.Type == t {
			return true
		}
	}
	return false
}

// Footprint approximates the bytes the queue holds: message buffers
// allocated so far, envelopes and free lists.
func (q *Queue) Footprint() int {
	n := cap(q.slots)*64 + cap(q.freeSlots)*4 + cap(q.freeEnvs)*4 + cap(q.envs)*int(unsafe.Sizeof(Out{}))
	for i := range q.slots {
		n += cap(q.slots[i].buf)
	}
	return n
}

// Free returns the number of message slots free right now.
func (q *Queue) Free() int { return len(q.freeSlots) }

// CancelTo removes every live envelope of type t addressed to to (a Join
// or Hello once one of them was answered) and returns how many.
func (q *Queue) CancelTo(to netip.AddrPort, t message.Type) int {
	n := 0
	for i := range q.envs {
		if e := &q.envs[i]; e.live && e.To == to && e.Type == t {
			q.remove(int32(i))
			n++
		}
	}
	return n
}
