package envelope

import (
	"testing"
	"time"

	"github.com/tickgossip/gossip/message"
)

// sendWith runs SendDue at a moment with a send function that answers
// err for the addresses in hold, nil for the rest, and returns how many
// went out.
func sendWith(tb testing.TB, q *Queue, at int, err error, hold ...uint16) int {
	tb.Helper()
	n, e := q.SendDue(t0.Add(ri*time.Duration(at)), func(e *Out, _ []byte) error {
		for _, p := range hold {
			if e.To == addr(p) {
				return err
			}
		}
		return nil
	})
	if e != nil {
		tb.Fatalf("SendDue: %v", e)
	}
	checkInvariants(tb, q)
	return n
}

// TestWithheldAttemptsCountAndReleaseGivesThemBack: an envelope of several
// attempts held back (ErrWithheld) spends its attempts as if they were
// lost, and expires if nothing releases it; Release gives them back and
// makes it due at once.
func TestWithheldAttemptsCountAndReleaseGivesThemBack(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	for at := range 3 {
		if n := sendWith(t, q, at, ErrWithheld, 1); n != 0 {
			t.Fatalf("attempt %d: sent %d", at, n)
		}
	}
	if st := q.Stats(); st.Withheld != 3 || st.Sent != 0 || st.Retries != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := q.Release(addr(1), t0.Add(3*ri)); n != 1 {
		t.Fatalf("Release released %d", n)
	}
	got := sendAll(t, q, t0.Add(3*ri))
	if len(got) != 1 || got[0].attempt != 0 {
		t.Fatalf("after Release: %+v, want the first attempt", got)
	}
	// Unreleased, it expires as a lost envelope would.
	post(t, q, t0, message.TypeData, 2, 2, addr(2))
	sendWith(t, q, 0, ErrWithheld, 2)
	sendWith(t, q, 1, ErrWithheld, 2)
	var expired []Out
	q.Expire(t0.Add(10*ri), func(e Out) { expired = append(expired, e) })
	if len(expired) != 1 || expired[0].To != addr(2) {
		t.Fatalf("expired %+v, want the held one", expired)
	}
}

// TestHeldSingleAttemptWaitsThenGoesUnsent: a single-attempt envelope
// (a Welcome) held back stays, due again each RetryInterval, until
// Release sends it, or MaxHolds holds drop it unsent, without expiring.
func TestHeldSingleAttemptWaitsThenGoesUnsent(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeWelcome, 1, 1, addr(1))
	post(t, q, t0, message.TypeWelcome, 2, 1, addr(2))
	sendWith(t, q, 0, ErrWithheld, 1, 2)
	sendWith(t, q, 1, ErrWithheld, 1, 2)
	q.Release(addr(1), t0.Add(ri+ri/2))
	if got := sendAll(t, q, t0.Add(ri+ri/2)); len(got) != 1 || got[0].tag != 1 {
		t.Fatalf("after Release: %+v", got)
	}
	sendWith(t, q, 2, ErrWithheld, 2)
	expired := 0
	q.Expire(t0.Add(10*ri), func(Out) { expired++ })
	if st := q.Stats(); q.Len() != 0 || st.Unsent != 1 || expired != 0 {
		t.Fatalf("%d envelopes left, stats %+v, expired %d", q.Len(), st, expired)
	}
}

// TestDroppedIsALostAttempt: ErrDropped spends the attempt, sends nothing,
// and is not a transport error.
func TestDroppedIsALostAttempt(t *testing.T) {
	q := newQueue(4, 8)
	post(t, q, t0, message.TypeAck, 1, 1, addr(1))
	if n := sendWith(t, q, 0, ErrDropped, 1); n != 0 || q.Len() != 0 {
		t.Fatalf("sent %d, %d left", n, q.Len())
	}
}

// TestMarkAnswersAndHoldBehind: MarkAnswers marks what was queued since a
// mark to one address; HoldBehind ties what was queued to others to that
// address, and Release frees both.
func TestMarkAnswersAndHoldBehind(t *testing.T) {
	q := newQueue(8, 16)
	post(t, q, t0, message.TypeData, 1, 3, addr(1))
	mark := q.Mark()
	post(t, q, t0, message.TypeMemberList, 2, 3, addr(1))
	post(t, q, t0, message.TypeMemberList, 3, 3, addr(2), addr(3))
	post(t, q, t0, message.TypeData, 4, 3, addr(2))
	if n := q.MarkAnswers(mark, addr(1)); n != 1 {
		t.Fatalf("marked %d answers", n)
	}
	if n := q.HoldBehind(mark, addr(1), message.TypeMemberList); n != 2 {
		t.Fatalf("held %d behind", n)
	}
	for _, e := range q.Envelopes(nil) {
		b, behind := e.Behind()
		switch tag := tagOf(q.Datagram(e)); tag {
		case 1:
			if e.Answer || behind {
				t.Fatalf("the envelope before the mark: %+v", e)
			}
		case 2:
			if !e.Answer || behind {
				t.Fatalf("the answer: %+v", e)
			}
		case 3:
			if e.Answer || !behind || b != addr(1) {
				t.Fatalf("the announcement: %+v", e)
			}
		case 4:
			if e.Answer || behind {
				t.Fatalf("other Data: %+v", e)
			}
		}
	}
	q.Release(addr(1), t0)
	for _, e := range q.Envelopes(nil) {
		if _, behind := e.Behind(); e.Answer || behind {
			t.Fatalf("after Release: %+v", e)
		}
	}
}
