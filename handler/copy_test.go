package handler_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// speakExtensions marks the given members as speaking the extensions,
// with their records known (incarnation 1), as after their Join.
func speakExtensions(tb testing.TB, n *node.Node, ids ...uint64) {
	tb.Helper()
	for _, id := range ids {
		i, ok := n.Members.Index(id)
		if !ok {
			tb.Fatalf("setup: %d is not a member", id)
		}
		n.Members.SetRecord(i, 1, nil, true)
	}
}

func copyMsg(seq uint32, origin uint64, originSeq uint32) []byte {
	b := make([]byte, 512)
	d := message.Data{Origin: origin, OriginSeq: originSeq, Payload: payloadOf(origin, originSeq)}
	n, err := d.EncodeCopy(b, seq)
	return encoded(n, err, b)
}

// copyLine renders Copy (origin, originSeq) queued to id: one attempt.
func copyLine(to, origin uint64, originSeq uint32) string {
	return fmt.Sprintf("to %d x1: %s", to, describe(copyMsg(1, origin, originSeq)))
}

// TestRumorSendsOneAcknowledgedDataAndCopies: among members that speak
// the extensions, a rumor's successor copy is a Data, acknowledged and
// retried every ProbeTimeout, and the random copies are Copies, sent once.
func TestRumorSendsOneAcknowledgedDataAndCopies(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7)
	speakExtensions(t, n, 1, 2, 3, 4, 6, 7)
	in := dataMsg(77, 2, 1)
	dispatch(n, addr(1), in)
	q := queued(n)
	if !slices.Contains(q, "to 1 x1: Ack acked=77") || !slices.Contains(q, dataLine(6, 2, 1)) {
		t.Fatalf("queued:\n\t%q\nwant the Ack to 1 and a Data to the successor 6", q)
	}
	copies := linesOf(q, "Copy")
	if len(copies) != 2 || len(q) != 4 {
		t.Fatalf("queued %q, want the Ack, the Data and two Copies", q)
	}
	for _, to := range recipients(t, copies) {
		if to == 1 || to == 2 || to == 6 {
			t.Errorf("a Copy went to %d: the sender, the origin or the successor", to)
		}
		if l := copyLine(to, 2, 1); !slices.Contains(copies, l) {
			t.Errorf("queued %q, want %q", copies, l)
		}
		e := envelopeTo(t, n, to, message.TypeCopy)
		if b := n.Out.Datagram(e); !bytes.Equal(b[message.HeaderSize:], in[message.HeaderSize:]) {
			t.Errorf("Copy to %d carries % x, want the received body % x", to, b, in)
		}
	}
	if e := envelopeTo(t, n, 6, message.TypeData); e.Interval != n.Cfg.ProbeTimeout {
		t.Errorf("the successor's Data is retried every %v, want ProbeTimeout %v", e.Interval, n.Cfg.ProbeTimeout)
	}
	// Sent once, the Copies leave the queue; the Data waits for its Ack.
	wire(t, n)
	if q := queued(n); !slices.Equal(q, []string{dataLine(6, 2, 1)}) {
		t.Fatalf("after sending, queued %q; want only the successor's Data", q)
	}
}

// TestNoChainCopyWhenTheSuccessorSentIt: the successor that sent the
// payload has it and passes it on to its own successor, the stand-in, so
// this node sends no Data and skips the stand-in: two Copies.
func TestNoChainCopyWhenTheSuccessorSentIt(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7)
	speakExtensions(t, n, 1, 2, 3, 4, 6, 7)
	dispatch(n, addr(6), dataMsg(77, 2, 1))
	q := queued(n)
	if len(q) != 3 || !slices.Contains(q, "to 6 x1: Ack acked=77") || len(linesOf(q, "Copy")) != 2 {
		t.Fatalf("queued %q, want the Ack to 6 and two Copies", q)
	}
	// The stand-in 7 (the next member after the successor) is not among
	// them: 6 sent it its own successor's copy.
	if slices.Contains(q, copyLine(7, 2, 1)) {
		t.Fatalf("queued %q, want nothing to the stand-in 7", q)
	}
}

// TestBaseMembersGetAcknowledgedDataWherever: a member that knows only
// the base format gets a Data, retried every RetryInterval as the base
// rules say, whatever its place in the rumor, even beside members that
// get Copies.
func TestBaseMembersGetAcknowledgedDataWherever(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	speakExtensions(t, n, 1, 2) // 3 and 6 speak only the base format
	dispatch(n, addr(1), dataMsg(77, 2, 1))
	wantQueued(t, n,
		"to 1 x1: Ack acked=77",
		dataLine(3, 2, 1),
		dataLine(6, 2, 1),
	)
	for _, to := range []uint64{3, 6} {
		if e := envelopeTo(t, n, to, message.TypeData); e.Interval != 0 {
			t.Errorf("Data to base member %d retried every %v, want RetryInterval", to, e.Interval)
		}
	}
}

// TestCopyIsDeliveredAndPassedOnButNotAcknowledged: a Copy is a Data in
// all but its Ack; it is logged, and passed on to the successor, as a
// Data, so that repairs and base members get the type they know.
func TestCopyIsDeliveredAndPassedOnButNotAcknowledged(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	speakExtensions(t, n, 1) // as its Copy shows; 3 and 6 speak only the base format
	var got []delivery
	recordDeliveries(n, &got)
	in := copyMsg(77, 2, 1)
	dispatch(n, addr(1), in)
	wantQueued(t, n,
		dataLine(3, 2, 1),
		dataLine(6, 2, 1),
	)
	if want := []delivery{{2, 1, string(payloadOf(2, 1))}}; !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	if e, b := n.Log.At(0); n.Log.Len() != 1 || e.Origin != 2 || e.Seq != 1 || !bytes.Equal(b, dataMsg(77, 2, 1)) {
		t.Fatalf("logged %+v % x, want the Copy as a Data", e, b)
	}
	// The same payload again, as a Copy or a Data: a duplicate, of which
	// only the Data is acknowledged.
	wire(t, n)
	dispatch(n, addr(1), copyMsg(12, 2, 1))
	dispatch(n, addr(6), dataMsg(13, 2, 1))
	if sent := wire(t, n); !slices.Equal(sent, []string{"to 6 x1: Ack acked=13"}) {
		t.Fatalf("sent %q, want only the Ack of the Data", sent)
	}
	if len(got) != 1 || n.Stats.DataDuplicates != 2 {
		t.Fatalf("%d deliveries, %d duplicates; want 1 and 2", len(got), n.Stats.DataDuplicates)
	}
}

// TestMalformedCopyIsDroppedUnacknowledged: a Copy that does not decode
// changes nothing and is not answered.
func TestMalformedCopyIsDroppedUnacknowledged(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	speakExtensions(t, n, 1)
	in := copyMsg(77, 2, 1)
	dispatch(n, addr(1), in[:len(in)-1])
	wantQueued(t, n)
	wantDrops(t, n, map[string]uint64{"short": 1})
}

// TestOriginSendsDataToAll: the origin sends no Copies. Every recipient
// of its own payload gets a Data and acknowledges it, the successor
// retried every ProbeTimeout, the others every RetryInterval, so the
// message stays queued until its first three holders have it.
func TestOriginSendsDataToAll(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 6)
	speakExtensions(t, n, 1, 2, 3, 6)
	if err := n.Originate(payloadOf(selfID, 1)); err != nil {
		t.Fatal(err)
	}
	q := queued(n)
	if len(q) != 3 || len(linesOf(q, "Data")) != 3 || !slices.Contains(q, dataLine(6, selfID, 1)) {
		t.Fatalf("queued %q, want three Data, one to the successor 6", q)
	}
	for _, e := range n.Out.Envelopes(nil) {
		want := time.Duration(0)
		if e.To == addr(6) {
			want = n.Cfg.ProbeTimeout
		}
		if e.Interval != want {
			t.Errorf("Data to %v retried every %v, want %v (0: RetryInterval)", e.To, e.Interval, want)
		}
	}
	if e, b := n.Log.At(0); n.Log.Len() != 1 || e.Origin != selfID || message.Describe(b)[:4] != "Data" {
		t.Fatalf("logged %+v %s, want the payload as a Data", e, message.Describe(b))
	}
}
