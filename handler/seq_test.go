package handler_test

import (
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/internal/node"
)

// TestDataFarAheadIsHeldBackUnlessTheOriginSentIt: a Data naming a seq
// far ahead of its origin's window is acknowledged but not delivered,
// logged or forwarded when it comes from anyone but the origin, and the
// origin's genuine next seq is delivered after it. Two sources that agree
// (within the window of each other) are believed; so is the origin's own
// address (the origin is the one that knows), and anyone when every
// datagram is authenticated.
func TestDataFarAheadIsHeldBackUnlessTheOriginSentIt(t *testing.T) {
	stranger := memnet.Addr(9999)
	n := newNode(t, node.Connected, 1, 2, 3)
	var got []delivery
	recordDeliveries(n, &got)
	dispatch(n, addr(2), dataMsg(1, 2, 1))
	for _, far := range []uint32{0xffffffff - 5, 1000, 1 << 30, 66} {
		dispatch(n, stranger, dataMsg(2, 2, far))
	}
	acks := 0
	for _, l := range queued(n) {
		if l == "to 2999 x1: Ack acked=2" { // the stranger, port 9999
			acks++
		}
	}
	// 2^32-6 is more than half the cycle after 1: older, a duplicate; the
	// other three are far ahead.
	if acks != 4 || len(got) != 1 || n.Log.Len() != 1 || n.Versions.Contiguous(2) != 1 || n.Versions.Far != 3 || n.Stats.DataDuplicates != 1 {
		t.Fatalf("acks %d, delivered %v, logged %d, contiguous %d, far %d; want 4 acks and only 2:1 delivered",
			acks, got, n.Log.Len(), n.Versions.Contiguous(2), n.Versions.Far)
	}
	dispatch(n, addr(2), dataMsg(4, 2, 2))
	if len(got) != 2 || got[1].seq != 2 {
		t.Fatalf("the genuine next seq was not delivered: %v", got)
	}

	// A second source confirming the far seq held back.
	dispatch(n, stranger, dataMsg(5, 2, 700))
	dispatch(n, addr(1), dataMsg(6, 2, 701))
	if len(got) != 3 || got[2].seq != 701 || n.Versions.Contiguous(2) != 701-64 {
		t.Fatalf("two sources: delivered %v, contiguous %d", got, n.Versions.Contiguous(2))
	}

	// The origin itself, far ahead (this node was cut off a long while).
	dispatch(n, addr(2), dataMsg(7, 2, 5000))
	if len(got) != 4 || got[3].seq != 5000 || n.Versions.Contiguous(2) != 5000-64 {
		t.Fatalf("from the origin: delivered %v, contiguous %d", got, n.Versions.Contiguous(2))
	}

	// Authenticated: believed from anyone.
	m := newNode(t, node.Connected, 1, 2, 3)
	m.Cfg.Authenticated = true
	dispatch(m, addr(2), dataMsg(1, 2, 1))
	dispatch(m, addr(1), dataMsg(2, 2, 5000))
	if m.Versions.Contiguous(2) != 5000-64 || m.Versions.Far != 0 {
		t.Fatalf("authenticated: contiguous %d, far %d", m.Versions.Contiguous(2), m.Versions.Far)
	}
}

// TestDataAcrossTheWrapIsDelivered: an origin whose counter passes 2^32-1
// and goes on at 1 keeps being delivered, forwarded and repaired: seqs
// compare as serial numbers.
func TestDataAcrossTheWrapIsDelivered(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var got []delivery
	recordDeliveries(n, &got)
	seqs := []uint32{0xfffffffd, 0xfffffffe, 0xffffffff, 1, 2, 3}
	for i, s := range seqs {
		dispatch(n, addr(2), dataMsg(uint32(10+i), 2, s))
	}
	if len(got) != len(seqs) || n.Stats.DataForwarded != uint64(len(seqs)) {
		t.Fatalf("delivered %d of %d, forwarded %d", len(got), len(seqs), n.Stats.DataForwarded)
	}
	for _, s := range seqs {
		if !n.Versions.Seen(2, s) {
			t.Fatalf("%#x not seen", s)
		}
	}
	// Repair across the wrap: a member at 0xfffffffe lacks 0xffffffff, 1, 2, 3.
	n.Out.DropAll()
	n.Cfg.RepairBudget = 10
	dispatch(n, addr(1), statusMsg(30, rec{1, 0}, rec{2, 0xfffffffe}))
	if d := linesOf(queued(n), "Data"); len(d) != 4 {
		t.Fatalf("repaired %v, want 4 Data past 0xfffffffe", d)
	}
}

// TestOwnSeqWrapsToOne: the originator's counter goes from 2^32-1 to 1,
// never 0 (which the wire format forbids), and its own data is still
// recorded as new.
func TestOwnSeqWrapsToOne(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	n.OwnSeq = 0xfffffffe
	n.Versions.Observe(selfID, 0xfffffffe, n.Now)
	for _, want := range []uint32{0xffffffff, 1, 2} {
		if err := n.Originate([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if n.OwnSeq != want || !n.Versions.Seen(selfID, want) {
			t.Fatalf("OwnSeq %#x; want %#x, seen", n.OwnSeq, want)
		}
	}
}
