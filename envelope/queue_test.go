package envelope

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

func TestNewPanicsOnInvalidConfig(t *testing.T) {
	valid := Config{MaxMessages: 2, MaxEnvelopes: 4, MessageSize: 64, RetryInterval: ri}
	for _, c := range []struct {
		name string
		edit func(*Config)
	}{
		{"no messages", func(c *Config) { c.MaxMessages = 0 }},
		{"fewer envelopes than messages", func(c *Config) { c.MaxEnvelopes = 1 }},
		{"buffer shorter than a header", func(c *Config) { c.MessageSize = message.HeaderSize - 1 }},
		{"zero retry interval", func(c *Config) { c.RetryInterval = 0 }},
		{"more than 2^24 envelopes", func(c *Config) { c.MaxEnvelopes = 1<<24 + 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid
			c.edit(&cfg)
			defer func() {
				if recover() == nil {
					t.Fatalf("New(%+v) did not panic", cfg)
				}
			}()
			New(cfg)
		})
	}
	New(valid) // and the valid one does not
}

func TestMessageWithRecipientsHoldsOneSlot(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2), addr(3))
	if got := q.Messages(); got != 1 {
		t.Fatalf("Messages() = %d, want 1 for one message with three recipients", got)
	}
	if got := q.Len(); got != 3 {
		t.Fatalf("Len() = %d, want 3", got)
	}
	checkInvariants(t, q)
}

func TestMessageWithoutRecipientsIsReleasedAtClose(t *testing.T) {
	q := newQueue(1, 1)
	m, buf := q.Open()
	q.Commit(m, encode(buf, message.TypeData, 1), message.TypeData)
	if got := q.Messages(); got != 1 {
		t.Fatalf("Messages() while building = %d, want 1", got)
	}
	q.Close(m)
	if got := q.Messages(); got != 0 {
		t.Fatalf("Messages() after Close = %d, want 0", got)
	}
	// The only slot is free again: the next message needs no eviction.
	post(t, q, t0, message.TypeData, 2, 1, addr(1))
	if st := q.Stats(); st.Evicted != 0 {
		t.Fatalf("Evicted = %d, want 0", st.Evicted)
	}
	checkInvariants(t, q)
}

func TestMessageReleasedWhenItsLastEnvelopeGoes(t *testing.T) {
	q := newQueue(2, 4)
	seqs := post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2))
	q.Ack(seqs[0], addr(1))
	if got := q.Messages(); got != 1 {
		t.Fatalf("Messages() with one envelope left = %d, want 1", got)
	}
	q.Ack(seqs[1], addr(2))
	if got := q.Messages(); got != 0 {
		t.Fatalf("Messages() with no envelope left = %d, want 0", got)
	}
	checkInvariants(t, q)
}

func TestSeqsAreDistinctAndNeverZero(t *testing.T) {
	q := newQueue(4, 8)
	seen := make(map[uint32]bool)
	// Many rounds of fill and drain reuse every slot many times over.
	for round := range 200 {
		var live []uint32
		for k := range 4 {
			live = append(live, post(t, q, t0, message.TypeData, uint32(round*4+k), 3, addr(1), addr(2))...)
		}
		for _, s := range live {
			if s == 0 {
				t.Fatalf("round %d: seq 0", round)
			}
			if seen[s] {
				t.Fatalf("round %d: seq %#x handed out twice", round, s)
			}
			seen[s] = true
		}
		q.DropAll()
	}
	checkInvariants(t, q)
}

func TestSeqSkipsZeroWhenTheGenerationWraps(t *testing.T) {
	// 2^24 envelopes leave 8 bits of generation: slot 0's seqs wrap after
	// 255 uses. Only slot 0 is ever used, so the table stays one entry.
	q := New(Config{MaxMessages: 1, MaxEnvelopes: 1 << 24, MessageSize: 64, RetryInterval: ri})
	var first uint32
	for i := range 600 {
		s := post(t, q, t0, message.TypeData, uint32(i), 3, addr(1))[0]
		if s == 0 {
			t.Fatalf("use %d of slot 0: seq 0", i)
		}
		if s&(1<<24-1) != 0 {
			t.Fatalf("use %d: seq %#x is not slot 0", i, s)
		}
		switch {
		case i == 0:
			first = s
		case i == 255 && s != first:
			t.Fatalf("use 255: seq %#x, want the wrapped generation %#x", s, first)
		}
		if _, ok := q.Ack(s, addr(1)); !ok {
			t.Fatalf("use %d: Ack(%#x) found nothing", i, s)
		}
	}
}

func TestSeqIsWrittenIntoTheSharedBufferJustBeforeEachSend(t *testing.T) {
	q := newQueue(4, 8)
	seqs := post(t, q, t0, message.TypeData, 7, 3, addr(1), addr(2), addr(3))
	var bufs []*byte
	var got []uint32
	n, err := q.SendDue(t0, func(e *Out, b []byte) error {
		if w := message.SeqOf(b); w != e.Seq {
			t.Errorf("datagram to %v carries seq %#x, envelope's is %#x", e.To, w, e.Seq)
		}
		if len(b) != datagramLen || tagOf(b) != 7 {
			t.Errorf("datagram to %v: len %d tag %d, want %d, 7", e.To, len(b), tagOf(b), datagramLen)
		}
		bufs = append(bufs, &b[0])
		got = append(got, e.Seq)
		message.PutSeq(b, 0xdead) // what the previous send leaves must not matter
		return nil
	})
	if n != 3 || err != nil {
		t.Fatalf("SendDue = %d, %v; want 3, nil", n, err)
	}
	if !slices.Equal(got, seqs) {
		t.Fatalf("sent seqs %#x, want %#x", got, seqs)
	}
	if bufs[0] != bufs[1] || bufs[1] != bufs[2] {
		t.Fatal("the recipients of one message were not sent the one shared buffer")
	}
}

func TestSendDueSchedule(t *testing.T) {
	q := newQueue(4, 8)
	seq := post(t, q, t0, message.TypeData, 1, 3, addr(1))[0]
	for _, step := range []struct {
		at      time.Duration
		sends   int
		attempt int // Attempt after the pass
		due     time.Duration
	}{
		{0, 1, 1, ri},                    // the first attempt is due at once
		{ri - time.Nanosecond, 0, 1, ri}, // the retry is not due before RetryInterval
		{ri, 1, 2, 2 * ri},
		{2 * ri, 1, 3, 3 * ri},                 // the last attempt
		{3*ri - time.Nanosecond, 0, 3, 3 * ri}, // nothing more to send
		{10 * ri, 0, 3, 3 * ri},                // only expiry is left
	} {
		now := t0.Add(step.at)
		got := sendAll(t, q, now)
		if len(got) != step.sends {
			t.Fatalf("at +%v: %d sends, want %d", step.at, len(got), step.sends)
		}
		envs := q.Envelopes(nil)
		if len(envs) != 1 {
			t.Fatalf("at +%v: %d envelopes, want 1", step.at, len(envs))
		}
		e := envs[0]
		if e.Seq != seq || e.Attempt != step.attempt || !e.Due.Equal(t0.Add(step.due)) {
			t.Fatalf("at +%v: seq %#x attempt %d due +%v; want %#x, %d, +%v",
				step.at, e.Seq, e.Attempt, e.Due.Sub(t0), seq, step.attempt, step.due)
		}
		if e.Exhausted() != (step.attempt == 3) {
			t.Fatalf("at +%v: Exhausted() = %v at attempt %d of 3", step.at, e.Exhausted(), e.Attempt)
		}
	}
	st := q.Stats()
	if st.Sent != 3 || st.Retries != 2 {
		t.Fatalf("Sent, Retries = %d, %d; want 3, 2", st.Sent, st.Retries)
	}
}

func TestSendDueRecordsEachAttempt(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	sendAll(t, q, t0)
	got := sendAll(t, q, t0.Add(ri+5*time.Millisecond))
	if len(got) != 1 || got[0].attempt != 1 {
		t.Fatalf("sends %+v, want one with Attempt 1 before it", got)
	}
	e := q.Envelopes(nil)[0]
	if want := t0.Add(ri + 5*time.Millisecond); !e.LastAttempt.Equal(want) || !e.Due.Equal(want.Add(ri)) {
		t.Fatalf("LastAttempt +%v Due +%v; want +%v, +%v", e.LastAttempt.Sub(t0), e.Due.Sub(t0), want.Sub(t0), want.Add(ri).Sub(t0))
	}
}

func TestSendDueRemovesSingleAttemptEnvelopesOnceSent(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeAck, 1, 1, addr(1))
	post(t, q, t0, message.TypeData, 2, 3, addr(2))
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("sent %v, want [1 2]", got)
	}
	envs := q.Envelopes(nil)
	if len(envs) != 1 || envs[0].To != addr(2) {
		t.Fatalf("left %+v, want only the envelope to %v", envs, addr(2))
	}
	if q.Messages() != 1 {
		t.Fatalf("Messages() = %d, want 1: the sent Ack's buffer is released", q.Messages())
	}
	if n := q.Expire(t0.Add(time.Hour), nil); n != 0 {
		t.Fatalf("Expire found %d; the single-attempt envelope must not linger to expire", n)
	}
	checkInvariants(t, q)
}

func TestSendDueStopsAtErrWouldBlockAndLeavesTheEnvelopeDue(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	post(t, q, t0, message.TypeAck, 2, 1, addr(2))
	post(t, q, t0, message.TypeData, 3, 3, addr(3))
	var calls []uint32
	n, err := q.SendDue(t0, func(e *Out, b []byte) error {
		calls = append(calls, tagOf(b))
		if tagOf(b) == 2 {
			return transport.ErrWouldBlock
		}
		return nil
	})
	if n != 1 || err != nil {
		t.Fatalf("SendDue = %d, %v; want 1, nil (ErrWouldBlock is not an error to report)", n, err)
	}
	if !slices.Equal(calls, []uint32{1, 2}) {
		t.Fatalf("send called for %v, want [1 2]: the pass stops at the blocked send", calls)
	}
	for _, e := range q.Envelopes(nil) {
		if e.To != addr(1) && (e.Attempt != 0 || !e.Due.Equal(t0)) {
			t.Fatalf("envelope to %v: attempt %d due +%v; want untouched", e.To, e.Attempt, e.Due.Sub(t0))
		}
	}
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{2, 3}) {
		t.Fatalf("next pass sent %v, want [2 3]", got)
	}
	if st := q.Stats(); st.Sent != 3 {
		t.Fatalf("Sent = %d, want 3: the blocked attempt is not counted", st.Sent)
	}
}

func TestSendDueErrorCountsAsAnAttemptAndThePassGoesOn(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	post(t, q, t0, message.TypeData, 2, 3, addr(2))
	post(t, q, t0, message.TypeAck, 3, 1, addr(3))
	post(t, q, t0, message.TypeData, 4, 3, addr(4))
	lost := errors.New("network unreachable")
	var calls []uint32
	n, err := q.SendDue(t0, func(e *Out, b []byte) error {
		calls = append(calls, tagOf(b))
		if tagOf(b) == 2 || tagOf(b) == 3 {
			return lost
		}
		return nil
	})
	if n != 2 || !errors.Is(err, lost) {
		t.Fatalf("SendDue = %d, %v; want 2, %v", n, err, lost)
	}
	if !slices.Equal(calls, []uint32{1, 2, 3, 4}) {
		t.Fatalf("send called for %v, want all four", calls)
	}
	envs := q.Envelopes(nil)
	if len(envs) != 3 {
		t.Fatalf("%d envelopes left, want 3: the failed single attempt is used up", len(envs))
	}
	for _, e := range envs {
		if e.Attempt != 1 || !e.Due.Equal(t0.Add(ri)) {
			t.Fatalf("envelope to %v: attempt %d due +%v; want 1, +%v", e.To, e.Attempt, e.Due.Sub(t0), ri)
		}
	}
	if st := q.Stats(); st.Sent != 2 {
		t.Fatalf("Sent = %d, want 2", st.Sent)
	}
}

func TestSendDueSendsInCreationOrder(t *testing.T) {
	q := newQueue(8, 8)
	a := post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2)) // tag 1 to 1 and 2
	post(t, q, t0, message.TypeData, 2, 3, addr(3))
	q.Ack(a[0], addr(1)) // frees envelope slot 0 ...
	c := post(t, q, t0, message.TypeData, 3, 3, addr(4), addr(5))
	if a[0]&(1<<q.idxBits-1) != c[0]&(1<<q.idxBits-1) {
		t.Fatal("setup: the newest envelope did not reuse the freed slot")
	}
	post(t, q, t0, message.TypeStatus, 4, 3, addr(1))

	// ... so slot order is no longer creation order, and sends must follow
	// creation order all the same.
	got := sendAll(t, q, t0)
	var to []uint16
	for _, s := range got {
		to = append(to, s.to.Port())
	}
	if want := []uint16{2, 3, 4, 5, 1}; !slices.Equal(to, want) {
		t.Fatalf("sent to %v, want creation order %v", to, want)
	}
	if got := tags(got); !slices.Equal(got, []uint32{1, 2, 3, 3, 4}) {
		t.Fatalf("sent tags %v, want [1 2 3 3 4]", got)
	}
	// The retries keep the order.
	if got := tags(sendAll(t, q, t0.Add(ri))); !slices.Equal(got, []uint32{1, 2, 3, 3, 4}) {
		t.Fatalf("retried tags %v, want [1 2 3 3 4]", got)
	}
}

func TestExpireRetryIntervalAfterTheLastAttempt(t *testing.T) {
	q := newQueue(4, 8)
	seq := post(t, q, t0, message.TypeData, 1, 2, addr(1))[0]
	sendAll(t, q, t0)
	if n := q.Expire(t0.Add(time.Hour), nil); n != 0 {
		t.Fatalf("Expire with an attempt left = %d, want 0", n)
	}
	last := t0.Add(3 * ri / 2) // the retry, a little late
	sendAll(t, q, last)
	var got []Out
	collect := func(e Out) { got = append(got, e) }
	if n := q.Expire(last.Add(ri-time.Nanosecond), collect); n != 0 || len(got) != 0 {
		t.Fatalf("Expire before RetryInterval after the last attempt = %d, want 0", n)
	}
	if n := q.Expire(last.Add(ri), collect); n != 1 || len(got) != 1 {
		t.Fatalf("Expire RetryInterval after the last attempt = %d, want 1", n)
	}
	e := got[0]
	if e.To != addr(1) || e.ToID != 1 || e.Seq != seq || e.Type != message.TypeData ||
		e.Attempt != 2 || e.MaxAttempts != 2 || !e.LastAttempt.Equal(last) {
		t.Fatalf("expired %+v; want the envelope to %v after its 2 attempts", e, addr(1))
	}
	if q.Len() != 0 || q.Messages() != 0 {
		t.Fatalf("Len, Messages = %d, %d; want 0, 0", q.Len(), q.Messages())
	}
	if st := q.Stats(); st.Expired != 1 {
		t.Fatalf("Expired = %d, want 1", st.Expired)
	}
	if _, ok := q.Ack(seq, addr(1)); ok {
		t.Fatal("an Ack after expiry matched")
	}
}

func TestExpireCallbackGetsACopy(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeAck, 1, 1, addr(1)) // removed once sent
	post(t, q, t0, message.TypeData, 2, 2, addr(2))
	sendAll(t, q, t0)
	sendAll(t, q, t0.Add(ri))
	var got Out
	q.Expire(t0.Add(2*ri), func(e Out) {
		got = e
		// The envelope is gone when the callback runs: reusing its slot
		// must not change the copy.
		post(t, q, t0, message.TypeStatus, 3, 3, addr(3))
	})
	if got.To != addr(2) || got.Type != message.TypeData || got.Attempt != 2 {
		t.Fatalf("callback got %+v, want the Data envelope to %v", got, addr(2))
	}
	envs := q.Envelopes(nil)
	if len(envs) != 1 || envs[0].To != addr(3) || envs[0].Seq == got.Seq {
		t.Fatalf("left %+v, want only the new envelope to %v", envs, addr(3))
	}
	checkInvariants(t, q)
}

// The failure detector's callback drops everything queued to the failed
// member (node.RemoveMember calls DropTo), which may include the very
// envelope Expire was going to look at next.
func TestExpireCallbackMayDropOtherEnvelopes(t *testing.T) {
	q := newQueue(8, 8)
	post(t, q, t0, message.TypeData, 1, 2, addr(1))
	post(t, q, t0, message.TypeStatus, 2, 2, addr(1))
	post(t, q, t0, message.TypeData, 3, 2, addr(1))
	post(t, q, t0, message.TypeData, 4, 2, addr(2))
	post(t, q, t0, message.TypeData, 5, 3, addr(1)) // not exhausted
	sendAll(t, q, t0)
	sendAll(t, q, t0.Add(ri))
	var expired []uint32
	n := q.Expire(t0.Add(2*ri), func(e Out) {
		expired = append(expired, e.Seq)
		q.DropTo(e.To)
	})
	checkInvariants(t, q)
	if n != 2 || len(expired) != 2 {
		t.Fatalf("Expire = %d with %d callbacks, want 2: the first to %v and the one to %v; the rest to %v were dropped, not expired",
			n, len(expired), addr(1), addr(2), addr(1))
	}
	if q.Len() != 0 || q.Messages() != 0 {
		t.Fatalf("Len, Messages = %d, %d; want 0, 0", q.Len(), q.Messages())
	}
	if st := q.Stats(); st.Expired != 2 {
		t.Fatalf("Expired = %d, want 2", st.Expired)
	}
}

// A callback that queues a message (a member event handler that sends)
// may reuse the slot of the envelope Expire would visit next; every
// envelope due to expire still expires in the same pass.
func TestExpireCallbackMayQueue(t *testing.T) {
	q := newQueue(8, 8)
	for tag := range uint32(4) {
		post(t, q, t0, message.TypeData, tag, 2, addr(uint16(tag)+1))
	}
	sendAll(t, q, t0)
	sendAll(t, q, t0.Add(ri))
	var expired []uint16
	n := q.Expire(t0.Add(2*ri), func(e Out) {
		expired = append(expired, e.To.Port())
		if e.To == addr(1) {
			q.DropTo(addr(2))                                        // frees the next envelope's slot ...
			post(t, q, t0.Add(2*ri), message.TypeAck, 9, 1, addr(9)) // ... and reuses it
		}
	})
	checkInvariants(t, q)
	if want := []uint16{1, 3, 4}; n != 3 || !slices.Equal(expired, want) {
		t.Fatalf("Expire = %d, expired %v; want 3, %v", n, expired, want)
	}
	if envs := q.Envelopes(nil); len(envs) != 1 || envs[0].To != addr(9) {
		t.Fatalf("left %+v, want the new envelope to %v", envs, addr(9))
	}
}

func TestAck(t *testing.T) {
	q := newQueue(4, 8)
	seqs := post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2))
	for _, c := range []struct {
		name string
		seq  uint32
		from netip.AddrPort
		ok   bool
	}{
		{"right seq from another source", seqs[0], addr(2), false},
		{"right seq from another port", seqs[0], netip.AddrPortFrom(addr(1).Addr(), 9), false},
		{"seq of no envelope", seqs[1] + 1<<q.idxBits, addr(2), false},
		{"seq beyond the table", 7, addr(1), false},
		{"seq 0", 0, addr(1), false},
		{"right seq from the recipient", seqs[0], addr(1), true},
		{"the same Ack again", seqs[0], addr(1), false},
	} {
		e, ok := q.Ack(c.seq, c.from)
		if ok != c.ok {
			t.Fatalf("%s: Ack(%#x, %v) = %v, want %v", c.name, c.seq, c.from, ok, c.ok)
		}
		if ok && (e.Seq != c.seq || e.To != c.from || e.Type != message.TypeData) {
			t.Fatalf("%s: Ack returned %+v", c.name, e)
		}
		if !ok && e != (Out{}) {
			t.Fatalf("%s: a failed Ack returned %+v, want the zero Out", c.name, e)
		}
	}
	if envs := q.Envelopes(nil); len(envs) != 1 || envs[0].Seq != seqs[1] {
		t.Fatalf("left %+v, want only the envelope to %v", envs, addr(2))
	}
	if st := q.Stats(); st.Acked != 1 {
		t.Fatalf("Acked = %d, want 1", st.Acked)
	}
	checkInvariants(t, q)
}

func TestAckForASlotsEarlierOccupantDoesNotMatch(t *testing.T) {
	q := newQueue(1, 1)
	old := post(t, q, t0, message.TypeData, 1, 3, addr(1))[0]
	q.Ack(old, addr(1))
	cur := post(t, q, t0, message.TypeData, 2, 3, addr(1))[0]
	if old == cur {
		t.Fatalf("the slot's second occupant got the first one's seq %#x", old)
	}
	if _, ok := q.Ack(old, addr(1)); ok {
		t.Fatalf("a late Ack of %#x removed the slot's new occupant %#x", old, cur)
	}
	if _, ok := q.Ack(cur, addr(1)); !ok {
		t.Fatalf("Ack(%#x) of the current occupant did not match", cur)
	}
}

func TestOpenEvictsTheOldestMessageWhenEverySlotIsTaken(t *testing.T) {
	q := newQueue(2, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2))
	post(t, q, t0, message.TypeData, 2, 3, addr(3))
	post(t, q, t0, message.TypeData, 3, 3, addr(4))
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{2, 3}) {
		t.Fatalf("left tags %v, want [2 3]: message 1 was the oldest", got)
	}
	st := q.Stats()
	if st.Evicted != 1 || st.Discarded != 2 || st.Dropped != 0 {
		t.Fatalf("Evicted, Discarded, Dropped = %d, %d, %d; want 1, 2, 0", st.Evicted, st.Discarded, st.Dropped)
	}
	if q.Messages() != 2 || q.Len() != 2 {
		t.Fatalf("Messages, Len = %d, %d; want 2, 2", q.Messages(), q.Len())
	}
	checkInvariants(t, q)
}

func TestAddEvictsTheOldestOtherMessageWhenEnvelopesRunOut(t *testing.T) {
	q := newQueue(4, 4)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	post(t, q, t0, message.TypeData, 2, 3, addr(2), addr(3))
	post(t, q, t0, message.TypeData, 3, 3, addr(4))
	// The table is full. Message 4 takes message 1's envelope, then
	// message 2's two.
	post(t, q, t0, message.TypeData, 4, 3, addr(5), addr(6), addr(7))
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{3, 4, 4, 4}) {
		t.Fatalf("left tags %v, want [3 4 4 4]", got)
	}
	st := q.Stats()
	if st.Evicted != 2 || st.Discarded != 3 || st.Dropped != 0 {
		t.Fatalf("Evicted, Discarded, Dropped = %d, %d, %d; want 2, 3, 0", st.Evicted, st.Discarded, st.Dropped)
	}
	checkInvariants(t, q)
}

func TestAddRefusesWhenNothingCanBeEvicted(t *testing.T) {
	q := newQueue(2, 2)
	m, buf := q.Open()
	q.Commit(m, encode(buf, message.TypeData, 1), message.TypeData)
	for i := range 2 {
		if _, ok := q.Add(m, addr(uint16(i+1)), 0, 3, t0); !ok {
			t.Fatalf("Add %d refused", i)
		}
	}
	// The only message is the one being built: it is never evicted.
	seq, ok := q.Add(m, addr(3), 0, 3, t0)
	if ok || seq != 0 {
		t.Fatalf("Add to a full table with nothing to evict = %#x, %v; want 0, false", seq, ok)
	}
	q.Close(m)
	st := q.Stats()
	if st.Dropped != 1 || st.Evicted != 0 || st.Discarded != 0 {
		t.Fatalf("Dropped, Evicted, Discarded = %d, %d, %d; want 1, 0, 0", st.Dropped, st.Evicted, st.Discarded)
	}
	if q.Len() != 2 || q.Messages() != 1 {
		t.Fatalf("Len, Messages = %d, %d; want 2, 1", q.Len(), q.Messages())
	}
	checkInvariants(t, q)
}

func TestLenMessagesPeak(t *testing.T) {
	q := newQueue(4, 8)
	a := post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2), addr(3))
	post(t, q, t0, message.TypeData, 2, 3, addr(4))
	for i, s := range a {
		q.Ack(s, addr(uint16(i+1)))
	}
	if q.Len() != 1 || q.Messages() != 1 {
		t.Fatalf("Len, Messages = %d, %d; want 1, 1", q.Len(), q.Messages())
	}
	if st := q.Stats(); st.Peak != 4 {
		t.Fatalf("Peak = %d, want 4", st.Peak)
	}
	post(t, q, t0, message.TypeData, 3, 3, addr(5), addr(6))
	if st := q.Stats(); st.Peak != 4 {
		t.Fatalf("Peak after 3 live = %d, want 4 still", st.Peak)
	}
}

func TestDropTo(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2))
	post(t, q, t0, message.TypeStatus, 2, 3, addr(1))
	post(t, q, t0, message.TypeAck, 3, 1, addr(3))
	if n := q.DropTo(addr(1)); n != 2 {
		t.Fatalf("DropTo = %d, want 2", n)
	}
	if n := q.DropTo(addr(1)); n != 0 {
		t.Fatalf("DropTo again = %d, want 0", n)
	}
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{1, 3}) {
		t.Fatalf("left tags %v, want [1 3]", got)
	}
	if q.Messages() != 1 {
		t.Fatalf("Messages() = %d, want 1: the Status had no other recipient, the Ack is sent", q.Messages())
	}
	if st := q.Stats(); st.Acked+st.Expired+st.Evicted+st.Discarded != 0 {
		t.Fatalf("DropTo counted as something else: %+v", st)
	}
	checkInvariants(t, q)
}

func TestDropAll(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1), addr(2))
	post(t, q, t0, message.TypeStatus, 2, 3, addr(1))
	q.DropAll()
	if q.Len() != 0 || q.Messages() != 0 {
		t.Fatalf("Len, Messages = %d, %d; want 0, 0", q.Len(), q.Messages())
	}
	if _, ok := q.Next(); ok {
		t.Fatal("Next() found an envelope after DropAll")
	}
	checkInvariants(t, q)
	post(t, q, t0, message.TypeData, 3, 3, addr(1))
	if got := tags(sendAll(t, q, t0)); !slices.Equal(got, []uint32{3}) {
		t.Fatalf("sent %v after DropAll, want [3]", got)
	}
}

func TestPendingAndPendingTo(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeHello, 1, 3, addr(1), addr(2))
	post(t, q, t0, message.TypeData, 2, 3, addr(3))
	for _, c := range []struct {
		t    message.Type
		want int
	}{{message.TypeHello, 2}, {message.TypeData, 1}, {message.TypeStatus, 0}} {
		if got := q.Pending(c.t); got != c.want {
			t.Errorf("Pending(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	for _, c := range []struct {
		to   netip.AddrPort
		t    message.Type
		want bool
	}{
		{addr(1), message.TypeHello, true},
		{addr(3), message.TypeHello, false},
		{addr(3), message.TypeData, true},
		{addr(4), message.TypeData, false},
	} {
		if got := q.PendingTo(c.to, c.t); got != c.want {
			t.Errorf("PendingTo(%v, %v) = %v, want %v", c.to, c.t, got, c.want)
		}
	}
	q.DropTo(addr(1))
	if q.Pending(message.TypeHello) != 1 || q.PendingTo(addr(1), message.TypeHello) {
		t.Error("a dropped envelope is still pending")
	}
}

func TestNextIsTheEarliestDue(t *testing.T) {
	q := newQueue(4, 8)
	if _, ok := q.Next(); ok {
		t.Fatal("Next() of an empty queue reported a time")
	}
	post(t, q, t0, message.TypeData, 1, 2, addr(1))
	sendAll(t, q, t0) // due again at +ri
	post(t, q, t0.Add(ri/2), message.TypeData, 2, 2, addr(2))
	for _, step := range []struct {
		at   time.Duration // SendDue then
		want time.Duration
	}{
		{ri / 4, ri / 2},     // the new envelope's first attempt
		{ri / 2, ri},         // the first envelope's retry
		{ri, 3 * ri / 2},     // the second's retry
		{3 * ri / 2, 2 * ri}, // the first's expiry
	} {
		sendAll(t, q, t0.Add(step.at))
		got, ok := q.Next()
		if !ok || !got.Equal(t0.Add(step.want)) {
			t.Fatalf("after a pass at +%v: Next() = +%v, %v; want +%v", step.at, got.Sub(t0), ok, step.want)
		}
	}
}

func TestLookupFindsWhatAckWouldRemoveAndLeavesIt(t *testing.T) {
	q := newQueue(2, 4)
	old := post(t, q, t0, message.TypeHello, 1, 3, addr(1))[0]
	q.Ack(old, addr(1))
	seqs := post(t, q, t0, message.TypeHello, 2, 3, addr(1), addr(2))
	for _, c := range []struct {
		name string
		seq  uint32
		from netip.AddrPort
		ok   bool
	}{
		{"from the recipient", seqs[1], addr(2), true},
		{"from another source", seqs[1], addr(1), false},
		{"the slot's earlier occupant", old, addr(1), false},
		{"beyond the table", 3, addr(1), false},
	} {
		e, ok := q.Lookup(c.seq, c.from)
		if ok != c.ok || ok && (e.Seq != c.seq || e.To != c.from || e.Type != message.TypeHello) {
			t.Fatalf("%s: Lookup(%#x, %v) = %+v, %v; want found %v", c.name, c.seq, c.from, e, ok, c.ok)
		}
	}
	if q.Len() != 2 || q.Stats().Acked != 1 {
		t.Fatalf("Len, Acked = %d, %d; want 2, 1: Lookup removes nothing", q.Len(), q.Stats().Acked)
	}
}

func TestDatagramIsTheNextAttemptsBytes(t *testing.T) {
	q := newQueue(2, 4)
	post(t, q, t0, message.TypeData, 9, 3, addr(1), addr(2))
	envs := q.Envelopes(nil)
	for _, e := range envs {
		b := q.Datagram(e)
		if len(b) != datagramLen || message.SeqOf(b) != e.Seq || tagOf(b) != 9 {
			t.Fatalf("Datagram(%#x) = % x, want message 9 with seq %#x", e.Seq, b, e.Seq)
		}
	}
	if &q.Datagram(envs[0])[0] != &q.Datagram(envs[1])[0] {
		t.Fatal("Datagram does not alias the message's shared buffer")
	}
}

func TestFootprintCountsMessageBuffersOnceAllocated(t *testing.T) {
	q := newQueue(4, 8)
	before := q.Footprint()
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	if grown := q.Footprint() - before; grown < q.cfg.MessageSize {
		t.Fatalf("Footprint grew by %d with the first message buffer, want at least %d", grown, q.cfg.MessageSize)
	}
	q.DropAll()
	after := q.Footprint()
	post(t, q, t0, message.TypeData, 2, 3, addr(1))
	if q.Footprint() != after {
		t.Fatalf("Footprint %d after reusing the buffer, want %d", q.Footprint(), after)
	}
}

// TestSeqKeyMakesSeqsUnguessable: with a key, the seqs a queue hands out
// are its slot-and-reuse seqs XOR the key: they still name their envelope
// for Ack and Lookup, are never 0 (the key is chosen so one would be), and
// differ from the bare ones a forger could guess from the queue's layout.
func TestSeqKeyMakesSeqsUnguessable(t *testing.T) {
	bare := newQueue(4, 8)
	keyed := newQueue(4, 8)
	// A key equal to a slot-and-reuse seq: that envelope would get seq 0.
	keyed.cfg.SeqKey = 1<<keyed.idxBits | 0
	for round := range 40 {
		for _, q := range []*Queue{bare, keyed} {
			m, _ := q.Open()
			q.Commit(m, 8, message.TypeData)
			seq, ok := q.Add(m, addr(1), 1, 1, t0)
			q.Close(m)
			if !ok || seq == 0 {
				t.Fatalf("round %d: seq %#x, %v", round, seq, ok)
			}
			if e, ok := q.Lookup(seq, addr(1)); !ok || e.Seq != seq {
				t.Fatalf("round %d: Lookup(%#x) = %v", round, seq, ok)
			}
			if _, ok := q.Ack(seq, addr(1)); !ok {
				t.Fatalf("round %d: Ack(%#x) failed", round, seq)
			}
			checkInvariants(t, q)
		}
	}
	// Seqs of a keyed queue, from a random key, share nothing with the
	// bare ones.
	q := newQueue(4, 8)
	q.cfg.SeqKey = 0x9e3779b9
	b := newQueue(4, 8)
	for range 8 {
		m, _ := q.Open()
		q.Commit(m, 8, message.TypeData)
		n, _ := b.Open()
		b.Commit(n, 8, message.TypeData)
		s1, _ := q.Add(m, addr(1), 1, 3, t0)
		s2, _ := b.Add(n, addr(1), 1, 3, t0)
		q.Close(m)
		b.Close(n)
		if s1 == s2 || s1>>q.idxBits == s2>>b.idxBits {
			t.Fatalf("keyed seq %#x looks like the bare %#x", s1, s2)
		}
	}
}

// TestAddAsSendsOneBodyUnderTwoTypes: a recipient added with AddAs gets
// the message's body under its own type, sent once; the others keep the
// message's type, whatever order they go out in, retries included.
func TestAddAsSendsOneBodyUnderTwoTypes(t *testing.T) {
	q := newQueue(2, 4)
	q.cfg.SeqKey = 0x9e3779b9 // seqs keyed, as a service's are: AddAs must find its envelope by slot
	m, buf := q.Open()
	q.Commit(m, encode(buf, message.TypeData, 7), message.TypeData)
	q.Add(m, addr(1), 1, 3, t0)
	q.AddAs(m, message.TypeCopy, addr(2), 2, 1, t0)
	q.Add(m, addr(3), 3, 3, t0)
	q.Close(m)
	if got := q.Messages(); got != 1 {
		t.Fatalf("Messages() = %d, want one message for both types", got)
	}
	types := func(now time.Time) map[netip.AddrPort]message.Type {
		got := map[netip.AddrPort]message.Type{}
		if _, err := q.SendDue(now, func(e *Out, b []byte) error {
			h, _, err := message.ParseHeader(b)
			if err != nil || h.Type != e.Type || tagOf(b) != 7 {
				t.Errorf("to %v: datagram % x (%v), envelope type %v", e.To, b, err, e.Type)
			}
			got[e.To] = h.Type
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := types(t0)
	want := map[netip.AddrPort]message.Type{addr(1): message.TypeData, addr(2): message.TypeCopy, addr(3): message.TypeData}
	if len(first) != 3 || first[addr(1)] != want[addr(1)] || first[addr(2)] != want[addr(2)] || first[addr(3)] != want[addr(3)] {
		t.Fatalf("first attempts went out as %v, want %v", first, want)
	}
	// The Copy was sent once and is gone; the retries are Data again.
	retry := types(t0.Add(ri))
	if len(retry) != 2 || retry[addr(1)] != message.TypeData || retry[addr(3)] != message.TypeData {
		t.Fatalf("retries went out as %v, want Data to 1 and 3", retry)
	}
	for _, e := range q.Envelopes(nil) {
		if b := q.Datagram(e); message.Type(binary.BigEndian.Uint16(b)) != e.Type {
			t.Errorf("Datagram of the envelope to %v has type %d, want %v", e.To, binary.BigEndian.Uint16(b), e.Type)
		}
	}
	checkInvariants(t, q)
}
