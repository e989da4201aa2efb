package handler_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// delivery is one OnData call.
type delivery struct {
	origin  uint64
	seq     uint32
	payload string
}

func recordDeliveries(n *node.Node, d *[]delivery) {
	n.OnData = func(origin uint64, seq uint32, payload []byte) {
		*d = append(*d, delivery{origin, seq, string(payload)})
	}
}

func TestDataIsAcknowledgedDeliveredLoggedAndForwarded(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	var got []delivery
	recordDeliveries(n, &got)
	in := dataMsg(77, 2, 1)
	dispatch(n, addr(1), in)
	// Forwarded to 5's successor 6 and to random members other than the
	// sender 1 and the origin 2: only 3 is left.
	wantQueued(t, n,
		"to 1 x1: Ack acked=77",
		dataLine(3, 2, 1),
		dataLine(6, 2, 1),
	)
	for _, to := range []uint64{3, 6} {
		e := envelopeTo(t, n, to, message.TypeData)
		if e.ToID != to {
			t.Errorf("Data to %d has ToID %d", to, e.ToID)
		}
		if b := n.Out.Datagram(e); !bytes.Equal(b[message.HeaderSize:], in[message.HeaderSize:]) {
			t.Errorf("forwarded to %d:\n\t% x\nwant the received datagram but for its seq:\n\t% x", to, b, in)
		}
	}
	if want := []delivery{{2, 1, string(payloadOf(2, 1))}}; !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	if n.Log.Len() != 1 {
		t.Fatalf("log holds %d entries, want 1", n.Log.Len())
	}
	if e, b := n.Log.At(0); e.Origin != 2 || e.Seq != 1 || !bytes.Equal(b, in) {
		t.Fatalf("logged %+v % x, want Data 2:1 as received", e, b)
	}
	if c := n.Versions.Contiguous(2); c != 1 {
		t.Fatalf("Contiguous(2) = %d, want 1", c)
	}
	st := n.Stats
	if st.DataDelivered != 1 || st.DataForwarded != 1 || st.DataDuplicates != 0 {
		t.Fatalf("DataDelivered, DataForwarded, DataDuplicates = %d, %d, %d; want 1, 1, 0",
			st.DataDelivered, st.DataForwarded, st.DataDuplicates)
	}
}

func TestDataIsDeliveredOnce(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	var got []delivery
	recordDeliveries(n, &got)
	dispatch(n, addr(1), dataMsg(77, 2, 1))
	wire(t, n)
	// A retry from the sender, and the same Data by another path: each is
	// acknowledged, neither delivered nor forwarded again.
	dispatch(n, addr(1), dataMsg(78, 2, 1))
	dispatch(n, addr(3), dataMsg(12, 2, 1))
	if sent := wire(t, n); !slices.Equal(sent, []string{"to 1 x1: Ack acked=78", "to 3 x1: Ack acked=12"}) {
		t.Fatalf("sent %q, want only the two Acks", sent)
	}
	if len(got) != 1 || n.Stats.DataDuplicates != 2 || n.Stats.DataForwarded != 1 || n.Log.Len() != 1 {
		t.Fatalf("delivered %v, %d duplicates, %d forwarded, %d logged; want 1, 2, 1, 1",
			got, n.Stats.DataDuplicates, n.Stats.DataForwarded, n.Log.Len())
	}
}

func TestDataReorderedInsideTheWindowIsDeliveredOnceEach(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var got []delivery
	recordDeliveries(n, &got)
	for i, seq := range []uint32{3, 1, 4, 2, 3, 1} {
		dispatch(n, addr(1), dataMsg(uint32(50+i), 2, seq))
	}
	var seqs []uint32
	for _, d := range got {
		seqs = append(seqs, d.seq)
	}
	if want := []uint32{3, 1, 4, 2}; !slices.Equal(seqs, want) {
		t.Fatalf("delivered %v, want %v", seqs, want)
	}
	if n.Stats.DataDuplicates != 2 {
		t.Fatalf("DataDuplicates = %d, want 2", n.Stats.DataDuplicates)
	}
	if c := n.Versions.Contiguous(2); c != 4 {
		t.Fatalf("Contiguous(2) = %d, want 4", c)
	}
	if acks := linesOf(queued(n), "Ack"); len(acks) != 6 {
		t.Fatalf("%d Acks queued, want one per datagram: %q", len(acks), acks)
	}
}

func TestDataOfThisNodesOwnIsAcknowledgedButNotDelivered(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var got []delivery
	recordDeliveries(n, &got)
	dispatch(n, addr(1), dataMsg(9, selfID, 1))
	wantQueued(t, n, "to 1 x1: Ack acked=9")
	if len(got) != 0 || n.Log.Len() != 0 || n.Stats.DataDuplicates != 1 {
		t.Fatalf("delivered %v, logged %d, duplicates %d; want none, 0, 1", got, n.Log.Len(), n.Stats.DataDuplicates)
	}
}

func TestDataForwardingExcludesTheSenderAndTheOrigin(t *testing.T) {
	for _, c := range []struct {
		from, origin uint64
		successor    uint64 // the first eligible member after 5
	}{
		{7, 3, 6},
		{6, 2, 7}, // the sender is 5's successor: the next member takes its place
		{6, 7, 8}, // so is the origin, then
		{1, 6, 7},
	} {
		t.Run(fmt.Sprintf("from %d origin %d", c.from, c.origin), func(t *testing.T) {
			for seed := range uint64(10) {
				n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7, 8, 9)
				n.Rand = rand.New(rand.NewPCG(seed, 7))
				dispatch(n, addr(c.from), dataMsg(1, c.origin, 1))
				ids := recipients(t, linesOf(queued(n), "Data"))
				if len(ids) != n.Cfg.RumorFactor {
					t.Fatalf("seed %d: forwarded to %v, want %d members", seed, ids, n.Cfg.RumorFactor)
				}
				if !slices.Contains(ids, c.successor) {
					t.Fatalf("seed %d: forwarded to %v, want %d among them", seed, ids, c.successor)
				}
				if slices.Contains(ids, c.from) || slices.Contains(ids, c.origin) || slices.Contains(ids, selfID) {
					t.Fatalf("seed %d: forwarded to %v, which includes the sender %d or the origin %d", seed, ids, c.from, c.origin)
				}
				slices.Sort(ids)
				if len(slices.Compact(ids)) != n.Cfg.RumorFactor {
					t.Fatalf("seed %d: forwarded twice to one member", seed)
				}
			}
		})
	}
}

func TestDataIsForwardedBeforeTheReceiverSeesIt(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	n.OnData = func(_ uint64, _ uint32, payload []byte) {
		for i := range payload {
			payload[i] = 0 // the receiver may do what it likes with the slice
		}
	}
	dispatch(n, addr(1), dataMsg(77, 2, 1))
	wantQueued(t, n, "to 1 x1: Ack acked=77", dataLine(3, 2, 1), dataLine(6, 2, 1))
	if _, b := n.Log.At(0); !bytes.Equal(b[message.HeaderSize:], dataMsg(77, 2, 1)[message.HeaderSize:]) {
		t.Fatalf("logged % x after the receiver changed the payload", b)
	}
}

func TestDataWithNobodyToForwardToIsNotCountedForwarded(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2)
	dispatch(n, addr(1), dataMsg(5, 2, 1))
	wantQueued(t, n, "to 1 x1: Ack acked=5")
	if n.Stats.DataDelivered != 1 || n.Stats.DataForwarded != 0 {
		t.Fatalf("DataDelivered, DataForwarded = %d, %d; want 1, 0", n.Stats.DataDelivered, n.Stats.DataForwarded)
	}
}
