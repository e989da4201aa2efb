package envelope

import (
	"testing"

	"github.com/tickgossip/gossip/message"
)

// queueCycle is one message's life on the hot path: encoded once for
// three recipients, sent, and acknowledged by each.
type queueCycle struct {
	q    *Queue
	to   [3]Out // recipient and seq of each envelope, reused
	send func(e *Out, b []byte) error
}

func newQueueCycle() *queueCycle {
	c := &queueCycle{q: New(Config{MaxMessages: 100, MaxEnvelopes: 400, MessageSize: 512, RetryInterval: ri})}
	for i := range c.to {
		c.to[i].To = addr(uint16(i + 1))
	}
	c.send = func(*Out, []byte) error { return nil }
	return c
}

func (c *queueCycle) run() {
	q := c.q
	m, buf := q.Open()
	a := message.Ack{AckedSeq: 7}
	n, _ := a.Encode(buf, 0)
	q.Commit(m, n, message.TypeData)
	for i := range c.to {
		c.to[i].Seq, _ = q.Add(m, c.to[i].To, 1, 3, t0)
	}
	q.Close(m)
	q.SendDue(t0, c.send)
	for i := range c.to {
		if _, ok := q.Ack(c.to[i].Seq, c.to[i].To); !ok {
			panic("envelope: benchmark Ack did not match")
		}
	}
}

func BenchmarkQueue(b *testing.B) {
	c := newQueueCycle()
	c.run() // allocate the message buffer and the tables
	b.ReportAllocs()
	for b.Loop() {
		c.run()
	}
}

func TestQueueCycleAllocatesNothing(t *testing.T) {
	c := newQueueCycle()
	c.run()
	if n := testing.AllocsPerRun(100, c.run); n != 0 {
		t.Fatalf("Open/Commit/Add×3/Close, SendDue, Ack×3: %.1f allocations per run, want 0", n)
	}
}
