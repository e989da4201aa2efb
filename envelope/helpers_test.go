package envelope

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip/message"
)

// t0 is the start of every test's clock; ri its RetryInterval.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const ri = time.Second

// addr returns 127.0.0.1:port, the address of test peer port.
func addr(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}

func newQueue(maxMessages, maxEnvelopes int) *Queue {
	return New(Config{MaxMessages: maxMessages, MaxEnvelopes: maxEnvelopes, MessageSize: 64, RetryInterval: ri})
}

// datagramLen is the length of the datagrams the tests queue: a header of
// the message's type and a 4-byte tag that names the message.
const datagramLen = message.HeaderSize + 4

// encode writes the test datagram of type t and tag into buf.
func encode(buf []byte, t message.Type, tag uint32) int {
	message.PutHeader(buf, t, 0)
	binary.BigEndian.PutUint32(buf[message.HeaderSize:], tag)
	return datagramLen
}

// tagOf returns the tag of a test datagram.
func tagOf(b []byte) uint32 { return binary.BigEndian.Uint32(b[message.HeaderSize:]) }

// post queues one message of type t, named by tag, to every address in to
// with maxAttempts each, as the handlers do: Open, Commit, Add per
// recipient, Close. It returns the seqs Add chose, failing the test when
// an Add is refused.
func post(tb testing.TB, q *Queue, now time.Time, t message.Type, tag uint32, maxAttempts int, to ...netip.AddrPort) []uint32 {
	tb.Helper()
	m, buf := q.Open()
	q.Commit(m, encode(buf, t, tag), t)
	seqs := make([]uint32, 0, len(to))
	for _, a := range to {
		seq, ok := q.Add(m, a, uint64(a.Port()), maxAttempts, now)
		if !ok {
			tb.Fatalf("Add(%v) of message %d refused", a, tag)
		}
		seqs = append(seqs, seq)
	}
	q.Close(m)
	return seqs
}

// sent is one call of SendDue's send callback.
type sent struct {
	to      netip.AddrPort
	seq     uint32 // the envelope's seq
	wire    uint32 // the seq written into the datagram
	tag     uint32
	attempt int // the envelope's Attempt before this send
}

// sendAll runs SendDue at now with a send that accepts everything and
// returns the sends in order.
func sendAll(tb testing.TB, q *Queue, now time.Time) []sent {
	tb.Helper()
	var got []sent
	n, err := q.SendDue(now, func(e *Out, b []byte) error {
		got = append(got, sent{to: e.To, seq: e.Seq, wire: message.SeqOf(b), tag: tagOf(b), attempt: e.Attempt})
		return nil
	})
	if err != nil || n != len(got) {
		tb.Fatalf("SendDue = %d, %v after %d sends; want %d, nil", n, err, len(got), len(got))
	}
	return got
}

// tags returns the tags of sends, in order.
func tags(s []sent) []uint32 {
	out := make([]uint32, len(s))
	for i := range s {
		out[i] = s[i].tag
	}
	return out
}

// checkInvariants fails tb when the queue's internal bookkeeping is
// inconsistent: the creation-order list, the free lists, the live count
// and every slot's reference count must all agree.
func checkInvariants(tb testing.TB, q *Queue) {
	tb.Helper()
	inList := make(map[int32]bool)
	prev := int32(-1)
	for i := q.first; i >= 0; i = q.envs[i].next {
		if inList[i] {
			tb.Fatalf("envelope %d appears twice in the creation-order list", i)
		}
		inList[i] = true
		e := &q.envs[i]
		if !e.live {
			tb.Fatalf("envelope %d is in the list but not live", i)
		}
		if e.prev != prev {
			tb.Fatalf("envelope %d: prev = %d, want %d", i, e.prev, prev)
		}
		if e.Seq == 0 {
			tb.Fatalf("envelope %d has seq 0", i)
		}
		if got := q.slotOf(e.Seq); got != i {
			tb.Fatalf("envelope %d: seq %#x names slot %d", i, e.Seq, got)
		}
		prev = i
	}
	if q.last != prev {
		tb.Fatalf("last = %d, want %d", q.last, prev)
	}
	if len(inList) != q.live {
		tb.Fatalf("%d envelopes in the list, live = %d", len(inList), q.live)
	}
	free := make(map[int32]bool)
	for _, i := range q.freeEnvs {
		if free[i] {
			tb.Fatalf("envelope %d is free twice", i)
		}
		free[i] = true
		if q.envs[i].live {
			tb.Fatalf("envelope %d is free but live", i)
		}
	}
	if len(free)+q.live != len(q.envs) {
		tb.Fatalf("%d free + %d live != %d envelopes", len(free), q.live, len(q.envs))
	}
	if len(q.envs) > q.cfg.MaxEnvelopes {
		tb.Fatalf("%d envelopes, bound %d", len(q.envs), q.cfg.MaxEnvelopes)
	}
	refs := make([]int, len(q.slots))
	for i := range q.envs {
		if e := &q.envs[i]; e.live {
			refs[e.msg]++
			if !q.slots[e.msg].used {
				tb.Fatalf("envelope %d refers to unused message slot %d", i, e.msg)
			}
		}
	}
	freeSlot := make(map[Msg]bool)
	for _, m := range q.freeSlots {
		if freeSlot[m] {
			tb.Fatalf("message slot %d is free twice", m)
		}
		freeSlot[m] = true
	}
	for m := range q.slots {
		s := &q.slots[m]
		if s.refs != refs[m] {
			tb.Fatalf("message slot %d: refs = %d, %d envelopes refer to it", m, s.refs, refs[m])
		}
		if s.used == freeSlot[Msg(m)] {
			tb.Fatalf("message slot %d: used = %v, on the free list = %v", m, s.used, freeSlot[Msg(m)])
		}
		if s.used && !s.building && s.refs == 0 {
			tb.Fatalf("message slot %d is held with no envelopes", m)
		}
	}
}
