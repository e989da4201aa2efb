package envelope

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// The differential test drives a Queue and a deliberately dumb model of
// it (a slice of envelopes in creation order, searched linearly) with the
// same seeded random operations, and compares them after every step.

type modelEnv struct {
	to          netip.AddrPort
	seq         uint32 // chosen by the queue, recorded by the model
	msg         int    // Open order: the smallest is the oldest message
	attempt     int
	maxAttempts int
	last, due   time.Time
}

type model struct {
	maxMessages, maxEnvelopes int
	envs                      []modelEnv // live envelopes, creation order
	building                  int        // the message being built, or -1
	nextMsg                   int
	stats                     Stats
}

// messages counts the messages held: those with live envelopes, and the
// one being built.
func (m *model) messages() int {
	seen := map[int]bool{}
	for _, e := range m.envs {
		seen[e.msg] = true
	}
	if m.building >= 0 {
		seen[m.building] = true
	}
	return len(seen)
}

// evictOldest removes the oldest message other than the one being built
// with all its envelopes, and reports whether there was one.
func (m *model) evictOldest() bool {
	oldest := -1
	for _, e := range m.envs {
		if e.msg != m.building && (oldest < 0 || e.msg < oldest) {
			oldest = e.msg
		}
	}
	if oldest < 0 {
		return false
	}
	m.stats.Evicted++
	m.envs = slices.DeleteFunc(m.envs, func(e modelEnv) bool {
		if e.msg == oldest {
			m.stats.Discarded++
			return true
		}
		return false
	})
	return true
}

func (m *model) open() {
	if m.messages() == m.maxMessages {
		m.evictOldest()
	}
	m.building = m.nextMsg
	m.nextMsg++
}

// add reports whether the model expects Add to succeed, evicting as the
// queue must.
func (m *model) add() bool {
	if len(m.envs) == m.maxEnvelopes && !m.evictOldest() {
		m.stats.Dropped++
		return false
	}
	return true
}

func (m *model) find(seq uint32) int {
	for i, e := range m.envs {
		if e.seq == seq {
			return i
		}
	}
	return -1
}

func (m *model) next() (time.Time, bool) {
	if len(m.envs) == 0 {
		return time.Time{}, false
	}
	t := m.envs[0].due
	for _, e := range m.envs[1:] {
		if e.due.Before(t) {
			t = e.due
		}
	}
	return t, true
}

type liveEnv struct {
	to      netip.AddrPort
	seq     uint32
	attempt int
}

func (l liveEnv) String() string { return fmt.Sprintf("%v/%#x/%d", l.to, l.seq, l.attempt) }

func sortLive(s []liveEnv) {
	slices.SortFunc(s, func(a, b liveEnv) int { return cmp.Compare(a.seq, b.seq) })
}

func TestQueueAgreesWithModel(t *testing.T) {
	var total Stats
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			// Small bounds so that eviction, refusal and slot reuse are
			// frequent; every third seed makes messages the tighter bound.
			maxMessages, maxEnvelopes := 6, 10
			if seed%3 == 0 {
				maxMessages, maxEnvelopes = 3, 12
			}
			st := runModel(t, seed, maxMessages, maxEnvelopes, 3000)
			total.Acked += st.Acked
			total.Expired += st.Expired
			total.Evicted += st.Evicted
			total.Dropped += st.Dropped
			total.Retries += st.Retries
		})
	}
	if total.Acked == 0 || total.Expired == 0 || total.Evicted == 0 || total.Dropped == 0 || total.Retries == 0 {
		t.Errorf("the random operations missed a path: %+v", total)
	}
}

func runModel(t *testing.T, seed uint64, maxMessages, maxEnvelopes, steps int) Stats {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	q := newQueue(maxMessages, maxEnvelopes)
	if seed%2 == 1 { // half the runs with keyed seqs, as the service makes them
		q.cfg.SeqKey = r.Uint32()
	}
	m := &model{maxMessages: maxMessages, maxEnvelopes: maxEnvelopes, building: -1}
	now := t0
	peers := []netip.AddrPort{addr(1), addr(2), addr(3), addr(4), addr(5)}
	var gone []uint32 // seqs of envelopes no longer live, for stale Acks
	lost := errors.New("lost")

	for step := range steps {
		var op string
		switch k := r.IntN(100); {
		case k < 35:
			op = "post"
			recipients := r.IntN(5)
			if r.IntN(10) == 0 { // more than the table holds
				recipients = maxEnvelopes + 2
			}
			maxAttempts := 1 + r.IntN(3)
			msg, buf := q.Open()
			m.open()
			q.Commit(msg, encode(buf, message.TypeData, uint32(m.building)), message.TypeData)
			for range recipients {
				to := peers[r.IntN(len(peers))]
				want := m.add()
				seq, ok := q.Add(msg, to, 0, maxAttempts, now)
				if ok != want {
					t.Fatalf("step %d: Add = %v, model says %v", step, ok, want)
				}
				if !ok {
					continue
				}
				if seq == 0 {
					t.Fatalf("step %d: Add gave seq 0", step)
				}
				m.envs = append(m.envs, modelEnv{to: to, seq: seq, msg: m.building, maxAttempts: maxAttempts, due: now})
			}
			q.Close(msg)
			m.building = -1

		case k < 55:
			op = "ack"
			var seq uint32
			from := peers[r.IntN(len(peers))]
			switch c := r.IntN(4); {
			case c < 2 && len(m.envs) > 0: // a live seq, from its recipient or from anyone
				e := m.envs[r.IntN(len(m.envs))]
				seq = e.seq
				if c == 0 {
					from = e.to
				}
			case c == 2 && len(gone) > 0: // a late Ack
				seq = gone[r.IntN(len(gone))]
			default:
				seq = (r.Uint32() & (1<<q.idxBits<<2 - 1)) ^ q.cfg.SeqKey
			}
			i := m.find(seq)
			want := i >= 0 && m.envs[i].to == from
			got, ok := q.Ack(seq, from)
			if ok != want {
				t.Fatalf("step %d: Ack(%#x, %v) = %v, model says %v", step, seq, from, ok, want)
			}
			if ok {
				if got.Seq != seq || got.To != from {
					t.Fatalf("step %d: Ack returned %+v", step, got)
				}
				m.envs = slices.Delete(m.envs, i, i+1)
				m.stats.Acked++
				gone = append(gone, seq)
			}

		case k < 85:
			op = "send"
			now = now.Add(time.Duration(r.IntN(1500)) * time.Millisecond)
			var due []uint32
			for _, e := range m.envs {
				if e.attempt < e.maxAttempts && !e.due.After(now) {
					due = append(due, e.seq)
				}
			}
			type result struct {
				seq uint32
				err error
			}
			var results []result
			wantSent, wantErr := 0, error(nil)
			n, err := q.SendDue(now, func(e *Out, b []byte) error {
				if len(results) >= len(due) || e.Seq != due[len(results)] {
					t.Fatalf("step %d: send %d is %#x, model's due list %#x", step, len(results), e.Seq, due)
				}
				if w := message.SeqOf(b); w != e.Seq {
					t.Fatalf("step %d: datagram carries seq %#x, envelope %#x", step, w, e.Seq)
				}
				if tag := int(tagOf(b)); tag != m.envs[m.find(e.Seq)].msg {
					t.Fatalf("step %d: envelope of message %d sent message %d's bytes", step, m.envs[m.find(e.Seq)].msg, tag)
				}
				var res error
				switch c := r.IntN(20); {
				case c == 0:
					res = transport.ErrWouldBlock
				case c == 1:
					res = lost
				}
				results = append(results, result{e.Seq, res})
				return res
			})
			for _, res := range results {
				if res.err == transport.ErrWouldBlock {
					break
				}
				if res.err == nil {
					wantSent++
					m.stats.Sent++
				} else if wantErr == nil {
					wantErr = res.err
				}
				i := m.find(res.seq)
				e := &m.envs[i]
				e.attempt++
				e.last, e.due = now, now.Add(ri)
				if e.maxAttempts <= 1 {
					m.envs = slices.Delete(m.envs, i, i+1)
					gone = append(gone, res.seq)
				}
			}
			blocked := len(results) > 0 && results[len(results)-1].err == transport.ErrWouldBlock
			if !blocked && len(results) != len(due) {
				t.Fatalf("step %d: %d sends, model expected %d", step, len(results), len(due))
			}
			if n != wantSent || err != wantErr {
				t.Fatalf("step %d: SendDue = %d, %v; want %d, %v", step, n, err, wantSent, wantErr)
			}

		case k < 95:
			op = "expire"
			// Half the time the callback acts as the failure detector
			// does: it drops the rest queued to the expired recipient.
			failRecipient := r.IntN(2) == 0
			var want []uint32
			for i := 0; i < len(m.envs); {
				e := m.envs[i]
				if e.attempt < e.maxAttempts || e.due.After(now) {
					i++
					continue
				}
				want = append(want, e.seq)
				m.envs = slices.Delete(m.envs, i, i+1)
				if failRecipient {
					m.envs = slices.DeleteFunc(m.envs, func(o modelEnv) bool {
						if o.to == e.to {
							gone = append(gone, o.seq)
							return true
						}
						return false
					})
					i = 0 // the model is dumb: rescan from the start
				}
			}
			m.stats.Expired += uint64(len(want))
			var got []uint32
			n := q.Expire(now, func(e Out) {
				if e.Attempt != e.MaxAttempts || !e.LastAttempt.Add(ri).Equal(e.Due) {
					t.Fatalf("step %d: expired %+v", step, e)
				}
				got = append(got, e.Seq)
				if failRecipient {
					q.DropTo(e.To)
				}
			})
			if n != len(got) || !slices.Equal(got, want) {
				t.Fatalf("step %d: Expire = %d, expired %#x; model expired %#x", step, n, got, want)
			}
			gone = append(gone, got...)

		case k < 99:
			op = "dropTo"
			to := peers[r.IntN(len(peers))]
			want := 0
			m.envs = slices.DeleteFunc(m.envs, func(e modelEnv) bool {
				if e.to == to {
					want++
					gone = append(gone, e.seq)
					return true
				}
				return false
			})
			if got := q.DropTo(to); got != want {
				t.Fatalf("step %d: DropTo(%v) = %d, model %d", step, to, got, want)
			}

		default:
			op = "dropAll"
			for _, e := range m.envs {
				gone = append(gone, e.seq)
			}
			m.envs = m.envs[:0]
			q.DropAll()
		}

		compareWithModel(t, step, op, q, m)
		if len(gone) > 64 {
			gone = gone[len(gone)-64:]
		}
	}
	return q.Stats()
}

func compareWithModel(t *testing.T, step int, op string, q *Queue, m *model) {
	t.Helper()
	checkInvariants(t, q)
	var got, want []liveEnv
	for _, e := range q.Envelopes(nil) {
		got = append(got, liveEnv{e.To, e.Seq, e.Attempt})
	}
	for _, e := range m.envs {
		want = append(want, liveEnv{e.to, e.seq, e.attempt})
	}
	sortLive(got)
	sortLive(want)
	if !slices.Equal(got, want) {
		t.Fatalf("step %d (%s): live envelopes\n got %v\nwant %v", step, op, got, want)
	}
	if q.Len() != len(m.envs) || q.Messages() != m.messages() {
		t.Fatalf("step %d (%s): Len, Messages = %d, %d; model %d, %d", step, op, q.Len(), q.Messages(), len(m.envs), m.messages())
	}
	gt, gok := q.Next()
	wt, wok := m.next()
	if gok != wok || !gt.Equal(wt) {
		t.Fatalf("step %d (%s): Next() = %v, %v; model %v, %v", step, op, gt, gok, wt, wok)
	}
	st := q.Stats()
	ms := m.stats
	if st.Sent != ms.Sent || st.Acked != ms.Acked || st.Expired != ms.Expired ||
		st.Evicted != ms.Evicted || st.Discarded != ms.Discarded || st.Dropped != ms.Dropped {
		t.Fatalf("step %d (%s): stats %+v; model %+v", step, op, st, ms)
	}
}
