package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/internal/memnet"
)

const labelledGolden = "../../testdata/label/sealed_ack_mimir.txt"

// TestLabelledGolden checks the sealed vector of a labelled cluster both
// ways: the label follows the recipient in the additional data, costs no
// byte on the wire, and a node without the label, or with another, does
// not open it. With -update it rewrites the vector.
func TestLabelledGolden(t *testing.T) {
	const l = "mimir"
	pt := []byte{0, 4, 1, 0, 0, 0, 0, 4, 0, 0, 0, 7}
	const sender, recipient, counter = otherSender, goldenRecipient, goldenCounterBase + 42
	if *update {
		sealed, err := SealLabelled(nil, key16, l, sender, recipient, counter, pt)
		if err != nil {
			t.Fatal(err)
		}
		body := "# An Ack (testdata/wire/ack.txt) sealed by a cluster labelled \"mimir\":\n" +
			"# additional data = sealed[0:20] || recipient (8 bytes) || label, none of it\n" +
			"# sent but the header, so the datagram is no longer than an unlabelled one.\n" +
			"# docs/protocol.md, \"Cluster labels\".\n" +
			fmt.Sprintf("key: %x\nlabel: %s\nsender: %016x\nrecipient: %016x\ncounter: %d\nplaintext: %x\nsealed: %x\n",
				key16, l, uint64(sender), uint64(recipient), uint64(counter), pt, sealed)
		if err := os.WriteFile(labelledGolden, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fields, _ := readVector(t, labelledGolden)
	sealed, err := hex.DecodeString(fields["sealed"])
	if err != nil {
		t.Fatal(err)
	}
	c, _ := strconv.ParseUint(fields["counter"], 10, 64)
	if fields["label"] != l || c != counter {
		t.Fatalf("vector fields %v", fields)
	}
	got, err := SealLabelled(nil, key16, l, sender, recipient, counter, pt)
	if err != nil || !bytes.Equal(got, sealed) || len(sealed) != len(pt)+Overhead {
		t.Fatalf("SealLabelled = %x, %v; want %x", got, err, sealed)
	}
	if out, _, _, err := OpenLabelled(nil, key16, l, sealed, recipient); err != nil || !bytes.Equal(out, pt) {
		t.Fatalf("OpenLabelled = %x, %v", out, err)
	}
	for _, other := range []string{"", "loki", "mimi"} {
		if _, _, _, err := OpenLabelled(nil, key16, other, sealed, recipient); !errors.Is(err, ErrOpen) {
			t.Errorf("opens under label %q: %v", other, err)
		}
	}
}

// TestLabelledTransport: transports of one label talk; one of another
// label, or none, opens nothing (NoKey: it cannot tell a label from a
// key), and, accepting plaintext, drops another label's plaintext as
// Label.
func TestLabelledTransport(t *testing.T) {
	n := memnet.New()
	a := New(n.Listen(addrA), mustRing(t, key16), idA, startA, Options{Label: "alpha"})
	epB := n.Listen(addrB)
	b := New(epB, mustRing(t, key16), idB, startB, Options{Label: "alpha"})
	epC := n.Listen(addrC)
	c := New(epC, mustRing(t, key16), idC, startC, Options{Label: "beta", AcceptPlaintext: true})
	data := dataMsg(t, 1, idA, 1, []byte("labelled"))
	if err := a.WriteToID(data, addrB, idB); err != nil {
		t.Fatal(err)
	}
	if err := a.WriteToID(data, addrC, idC); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, b); len(got) != 1 || !bytes.Equal(got[0], data) {
		t.Fatalf("same label read %x", got)
	}
	if got := drain(t, c); len(got) != 0 || c.Stats().NoKey != 1 {
		t.Fatalf("other label read %x, stats %+v", got, c.Stats())
	}
	injectExpect(t, epC, c, label.Wrap(nil, "alpha", data), Stats{Label: 1}, "plaintext of another label")
	injectExpect(t, epC, c, data, Stats{Label: 1}, "unlabelled plaintext")
	injectExpect(t, epC, c, label.Wrap(nil, "beta", data), Stats{PlaintextAccepted: 1}, "plaintext of this label")
	// SendPlaintext wraps.
	var cp capture
	n.Filter = cp.filter
	p := New(n.Listen(memnet.Addr(7004)), mustRing(t, key16), 0xd4, startA, Options{Label: "beta", SendPlaintext: true})
	if err := p.WriteTo(data, addrC); err != nil {
		t.Fatal(err)
	}
	if inner, v := label.Unwrap(cp.got[0], "beta"); v != label.Ours || !bytes.Equal(inner, data) {
		t.Fatalf("SendPlaintext put %x on the wire", cp.got[0])
	}
}
