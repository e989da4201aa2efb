package handler_test

import (
	"testing"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

func TestAck(t *testing.T) {
	for _, c := range []struct {
		name   string
		from   uint64
		seq    func(to1, to2 uint32) uint32
		left   []string
		acked  uint64
		stale  uint64
		repeat bool // the same Ack arrives twice
	}{
		{"from the recipient", 1, func(to1, _ uint32) uint32 { return to1 }, []string{dataLine(2, selfID, 1)}, 1, 0, false},
		{"repeated", 1, func(to1, _ uint32) uint32 { return to1 }, []string{dataLine(2, selfID, 1)}, 1, 1, true},
		{"from another member", 2, func(to1, _ uint32) uint32 { return to1 }, []string{dataLine(1, selfID, 1), dataLine(2, selfID, 1)}, 0, 1, false},
		{"from a stranger", 9, func(to1, _ uint32) uint32 { return to1 }, []string{dataLine(1, selfID, 1), dataLine(2, selfID, 1)}, 0, 1, false},
		{"naming no envelope", 1, func(to1, to2 uint32) uint32 { return to1 ^ to2 ^ 0xff00 }, []string{dataLine(1, selfID, 1), dataLine(2, selfID, 1)}, 0, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, 1, 2)
			if err := n.Originate(payloadOf(selfID, 1)); err != nil {
				t.Fatal(err)
			}
			wire(t, n)
			seq := c.seq(envelopeTo(t, n, 1, message.TypeData).Seq, envelopeTo(t, n, 2, message.TypeData).Seq)
			dispatch(n, addr(c.from), ackMsg(40, seq))
			if c.repeat {
				dispatch(n, addr(c.from), ackMsg(41, seq))
			}
			wantQueued(t, n, c.left...)
			if n.Stats.AcksReceived != c.acked || n.Stats.StaleAcks != c.stale {
				t.Fatalf("AcksReceived, StaleAcks = %d, %d; want %d, %d", n.Stats.AcksReceived, n.Stats.StaleAcks, c.acked, c.stale)
			}
			if n.Stats.Greetings != 0 {
				t.Fatal("an Ack from a stranger was greeted: an Ack carries no news")
			}
		})
	}
}

// Only a Welcome answers a Hello: an Ack that named one would cancel it,
// and a joiner whose Hellos never expire never learns its join failed.
func TestAckNamingAHelloIsStale(t *testing.T) {
	n, seqs := joining(t, 1)
	dispatch(n, addr(1), ackMsg(40, seqs[1]))
	wantQueued(t, n, "to 1 x3: Hello member="+md(selfID))
	if n.Stats.AcksReceived != 0 || n.Stats.StaleAcks != 1 {
		t.Fatalf("AcksReceived, StaleAcks = %d, %d; want 0, 1", n.Stats.AcksReceived, n.Stats.StaleAcks)
	}
}
