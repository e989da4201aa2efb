package gossip_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// TestSealedDropIsCountedUnderItsOwnReason feeds a keyed node one datagram
// of each kind the sealing layer must refuse and checks that it increments
// exactly its own Stats.Sealing counter and changes nothing else: not the
// members, not the state, not DatagramsIn (the engine never sees it), not
// the outbound queue.
func TestSealedDropIsCountedUnderItsOwnReason(t *testing.T) {
	k1, k2 := testKey("k1"), testKey("k2")
	c := startCluster(t, 3, withKeys(k1))
	conn, peer := c.nodes[0], c.nodes[1]
	peerAddr := addrOf(peer)
	stranger := memnet.Addr(9001)
	f := newSealForger(k1, 0xf0f0).forNode(conn)
	other := newSealForger(k2, 0xf0f0).forNode(conn)  // the same sender under a key conn lacks
	toZero := newSealForger(k1, 0xf0f1)               // sealed for recipient 0
	toPeer := newSealForger(k1, 0xf0f0).forNode(peer) // sealed for another node

	data := wire(t, &message.Data{Origin: 0xd1, OriginSeq: 1, Payload: []byte("payload")}, 1)
	ack := wire(t, &message.Ack{AckedSeq: 1}, 1)
	hello := wire(t, &message.Hello{Member: message.Member{ID: 0x5151, Addr: stranger}}, 1)
	sealedData := f.seal(t, data)
	with := func(b []byte, off int, v byte) []byte {
		b = slices.Clone(b)
		b[off] = v
		return b
	}
	inner := c.cfgOf().MaxMessageSize - gossip.SealOverhead

	// A genuine datagram, accepted once (an Ack naming nothing: it changes
	// only StaleAcks), then the same bytes again.
	replayed := f.seal(t, ack)
	injectSealed(t, conn, peerAddr, replayed)

	cases := []struct {
		name string
		from netip.AddrPort
		b    []byte
		want string
	}{
		{"sealed under a key not in the ring", peerAddr, other.seal(t, data), "NoKey"},
		{"sealed under a key not in the ring, from a stranger", stranger, other.seal(t, hello), "NoKey"},
		{"keyID of the ring, sealed under another key", peerAddr, with(other.seal(t, data), 3, byte(keyIDOf(k1))), "NoKey"},
		{"plaintext Data from a member", peerAddr, data, "PlaintextRefused"},
		{"plaintext Hello from a stranger", stranger, hello, "PlaintextRefused"},
		{"plaintext Ack from a member", peerAddr, ack, "PlaintextRefused"},
		{"empty datagram", peerAddr, nil, "PlaintextRefused"},
		{"one byte", peerAddr, sealedData[:1], "PlaintextRefused"},
		{"sealed header only", peerAddr, sealedData[:20], "Malformed"},
		{"35 bytes", peerAddr, sealedData[:35], "Malformed"},
		{"version 0", peerAddr, with(sealedData, 2, 0), "Version"},
		{"version 1 (no recipient binding)", peerAddr, with(sealedData, 2, 1), "Version"},
		{"version 3", peerAddr, with(sealedData, 2, 3), "Version"},
		{"Data sealed for recipient 0", peerAddr, toZero.seal(t, data), "Misaddressed"},
		{"Ack sealed for recipient 0", peerAddr, toZero.seal(t, ack), "Misaddressed"},
		{"Data sealed for another node", peerAddr, toPeer.sealAt(t, 1<<41, data), "NoKey"},
		{"truncated by one byte", peerAddr, sealedData[:len(sealedData)-1], "NoKey"},
		{"tag cut off", peerAddr, sealedData[:len(sealedData)-16], "NoKey"},
		{"extended by one byte", peerAddr, append(slices.Clone(sealedData), 0), "NoKey"},
		{"plaintext one byte over the inner size", peerAddr,
			f.seal(t, wire(t, &message.Data{Origin: 0xd1, OriginSeq: 2, Payload: make([]byte, inner+1-message.DataOverhead)}, 1)), "Oversize"},
		{"Hello naming another id than its sealer", stranger, f.seal(t, hello), "SenderMismatch"},
		{"a datagram already accepted", peerAddr, replayed, "Replayed"},
		{"sealed as the receiving node (its own, reflected)", peerAddr, newSealForger(k1, uint64(conn.svc.ID())).forNode(conn).seal(t, ack), "Replayed"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			drain(t, conn)
			before := snap(conn.svc)
			conn.ep.Inject(tc.from, tc.b)
			if k, err := conn.svc.Receive(); k != 0 || err != nil {
				t.Fatalf("Receive = %d, %v; want nothing handed to the engine", k, err)
			}
			reason, ok := sealedDropOnly(before, snap(conn.svc))
			if !ok {
				t.Fatal(reason)
			}
			if reason != tc.want {
				t.Fatalf("counted as Sealing.%s, want Sealing.%s", reason, tc.want)
			}
			seen[reason] = true
		})
	}
	for f := range sealDrops {
		// Sealing.Label needs AcceptPlaintext and a label:
		// internal/seal.TestLabelledTransport has its case.
		if !seen[f] && f != "Label" {
			t.Errorf("no case for Sealing.%s", f)
		}
	}
	// The genuine datagram the cases were cut from still opens: none of
	// them used up its counter.
	before := conn.svc.Stats()
	injectSealed(t, conn, peerAddr, sealedData)
	after := conn.svc.Stats()
	if after.Sealing.Opened != before.Sealing.Opened+1 || after.DataDelivered != before.DataDelivered+1 {
		t.Fatalf("the untouched datagram: opened %d, delivered %d; want 1 and 1",
			after.Sealing.Opened-before.Sealing.Opened, after.DataDelivered-before.DataDelivered)
	}
	c.run(2 * time.Second)
	c.checkDisseminates(conn, "after the drops", 5*time.Second)
}

// TestSealedEveryFlippedBitIsDropped flips each bit of a sealed Data
// datagram in turn, in the clear header, the ciphertext and the tag, then
// cuts it to every shorter length, and checks that every variant is
// dropped, under the reason the damage implies, changing nothing else;
// then the original still opens, once.
func TestSealedEveryFlippedBitIsDropped(t *testing.T) {
	k1 := testKey("k1")
	c := startCluster(t, 3, withKeys(k1))
	conn, peer := c.nodes[0], c.nodes[1]
	f := newSealForger(k1, 0xf0f0).forNode(conn)
	original := f.seal(t, wire(t, &message.Data{Origin: 0xd1, OriginSeq: 1, Payload: []byte("flip every bit of me")}, 7))
	// The type field (bytes 0-1) no longer says Sealed: plaintext, refused.
	// The version (byte 2): unsupported. Anything else, the keyID included,
	// fails to authenticate: the header is the additional data.
	want := func(i int) string {
		switch {
		case i < 2:
			return "PlaintextRefused"
		case i == 2:
			return "Version"
		}
		return "NoKey"
	}
	counts := map[string]int{}
	for i := range original {
		for bit := range 8 {
			b := slices.Clone(original)
			b[i] ^= 1 << bit
			drain(t, conn)
			before := snap(conn.svc)
			conn.ep.Inject(addrOf(peer), b)
			if _, err := conn.svc.Receive(); err != nil {
				t.Fatal(err)
			}
			reason, ok := sealedDropOnly(before, snap(conn.svc))
			if !ok {
				t.Fatalf("byte %d bit %d: %s", i, bit, reason)
			}
			if reason != want(i) {
				t.Fatalf("byte %d bit %d: counted as Sealing.%s, want Sealing.%s", i, bit, reason, want(i))
			}
			counts[reason]++
		}
	}
	t.Logf("%d bytes, %d variants: %v", len(original), 8*len(original), counts)
	// Every truncation, from nothing to one byte short: under 2 bytes there
	// is no type field, so plaintext; under 36 too short to be sealed;
	// longer, the tag no longer matches.
	for size := range len(original) {
		want := "NoKey"
		switch {
		case size < 2:
			want = "PlaintextRefused"
		case size < gossip.SealOverhead:
			want = "Malformed"
		}
		drain(t, conn)
		before := snap(conn.svc)
		conn.ep.Inject(addrOf(peer), original[:size])
		if _, err := conn.svc.Receive(); err != nil {
			t.Fatal(err)
		}
		if reason, ok := sealedDropOnly(before, snap(conn.svc)); !ok || reason != want {
			t.Fatalf("cut to %d bytes: %s, want Sealing.%s", size, reason, want)
		}
	}
	before := conn.svc.Stats()
	injectSealed(t, conn, addrOf(peer), original)
	injectSealed(t, conn, addrOf(peer), original)
	after := conn.svc.Stats()
	if d := after.Sealing.Opened - before.Sealing.Opened; d != 1 {
		t.Fatalf("the original opened %d times, want 1", d)
	}
	if d := after.Sealing.Replayed - before.Sealing.Replayed; d != 1 {
		t.Fatalf("the original's second copy: Replayed moved by %d, want 1", d)
	}
	if conn.got[key(0xd1, 1)] != 1 {
		t.Fatalf("payload delivered %d times, want 1", conn.got[key(0xd1, 1)])
	}
}

// TestSealedAndPlaintextNodesDoNotMix: a node without keys cannot join a
// keyed cluster (its Hello is refused as plaintext) and a keyed node's
// Hello to a plaintext seed is dropped as Sealed. Neither side's members
// change.
func TestSealedAndPlaintextNodesDoNotMix(t *testing.T) {
	k1 := testKey("k1")
	for _, tc := range []struct {
		name              string
		seedKeys, newKeys [][]byte
	}{
		{"plaintext node, keyed cluster", [][]byte{k1}, nil},
		{"keyed node, plaintext cluster", nil, [][]byte{k1}},
		{"keyed node, cluster under another key", [][]byte{k1}, [][]byte{testKey("k2")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, nil)
			c.tweak = func(cfg *gossip.Config) { cfg.Keys = tc.seedKeys }
			seed := c.add()
			if err := seed.svc.Join(); err != nil {
				t.Fatal(err)
			}
			c.tweak = func(cfg *gossip.Config) { cfg.Keys = tc.newKeys }
			n := c.add()
			if err := n.svc.Join(seed.svc.Addr()); err != nil {
				t.Fatal(err)
			}
			c.run(2 * time.Second)
			if n.svc.State() != gossip.Disconnected || !errors.Is(n.svc.Err(), gossip.ErrJoinFailed) {
				t.Fatalf("joiner: %v, %v; want DISCONNECTED, ErrJoinFailed", n.svc.State(), n.svc.Err())
			}
			if seed.svc.NumMembers() != 0 {
				t.Fatalf("seed lists %d members", seed.svc.NumMembers())
			}
			st := seed.svc.Stats()
			refused := st.Sealing.PlaintextRefused + st.Sealing.NoKey + st.Dropped.Sealed
			if refused != 6 || st.DatagramsIn != st.Dropped.Sealed {
				t.Fatalf("seed: %d of the 3 Joins and 3 Hellos refused; stats %+v", refused, st)
			}
		})
	}
}
