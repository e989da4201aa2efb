package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// TestDatagramOpensOnlyAtItsRecipient: what A seals for B opens at B, and
// at C, which holds the same key, it does not open at all (counted as
// NoKey: a datagram sealed for another node cannot be told from a forgery),
// so a datagram captured on its way to B is worth nothing at C.
func TestDatagramOpensOnlyAtItsRecipient(t *testing.T) {
	n := memnet.New()
	var c capture
	n.Filter = c.filter
	a := New(n.Listen(addrA), mustRing(t, key16), idA, startA, Options{})
	epB, epC := n.Listen(addrB), n.Listen(addrC)
	b := New(epB, mustRing(t, key16), idB, startB, Options{})
	cc := New(epC, mustRing(t, key16), idC, startC, Options{})
	for i := range 5 {
		if err := a.WriteToID(dataMsg(t, uint32(i+1), idA, uint32(i+1), []byte("for B")), addrB, idB); err != nil {
			t.Fatal(err)
		}
	}
	if got := drain(t, b); len(got) != 5 {
		t.Fatalf("B read %d of 5", len(got))
	}
	for _, d := range c.got {
		injectExpect(t, epC, cc, d, Stats{NoKey: 1}, "B's datagram at C")
		injectExpect(t, epB, b, d, Stats{Replayed: 1}, "B's datagram at B again")
	}
	if len(cc.peers) != 0 {
		t.Errorf("C keeps %d windows after datagrams that were not its own", len(cc.peers))
	}
}

// TestHelloForRecipientZeroOpensAnywhere: a Hello whose recipient the
// sender does not know is sealed for recipient 0 and opens at any node,
// once (it moves the sender's window there).
func TestHelloForRecipientZeroOpensAnywhere(t *testing.T) {
	n := memnet.New()
	var c capture
	n.Filter = c.filter
	a := New(n.Listen(addrA), mustRing(t, key24), idA, startA, Options{})
	epB, epC := n.Listen(addrB), n.Listen(addrC)
	b := New(epB, mustRing(t, key24), idB, startB, Options{})
	cc := New(epC, mustRing(t, key24), idC, startC, Options{})
	hello := memberMsg(t, message.TypeHello, idA, addrA)
	if err := a.WriteTo(hello, addrB); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := Open(nil, key24, c.got[0], 0); err != nil {
		t.Fatalf("the Hello is not sealed for recipient 0: %v", err)
	}
	if got := drain(t, b); len(got) != 1 || !bytes.Equal(got[0], hello) {
		t.Fatalf("B read %x", got)
	}
	injectExpect(t, epC, cc, c.got[0], Stats{Opened: 1}, "the Hello at C")
	injectExpect(t, epC, cc, c.got[0], Stats{Replayed: 1}, "the Hello at C again")
	injectExpect(t, epB, b, c.got[0], Stats{Replayed: 1}, "the Hello at B again")
	if a.Stats().Unaddressed != 0 {
		t.Errorf("a Hello counted as Unaddressed")
	}
}

// TestHelloForRecipientZeroMustBeTheSendersNewest: at a node that has
// accepted a datagram of its sender more than HelloSlack counters later, a
// Hello sealed for recipient 0 is refused even inside the window, since it
// can only be a replay (a greeting or a join is the first thing its sender
// sends a node); a datagram sealed for the node itself is still taken out
// of order anywhere in the window.
func TestHelloForRecipientZeroMustBeTheSendersNewest(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{})
	hello := memberMsg(t, message.TypeHello, idA, addrA)
	data := dataMsg(t, 1, idA, 1, nil)
	const top = startA + 500
	injectExpect(t, ep, b, mustSeal(t, key16, idA, top, data), Stats{Opened: 1}, "Data at top")
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, top-HelloSlack-1, hello), Stats{Replayed: 1}, "Hello for 0, 65 below")
	injectExpect(t, ep, b, mustSeal(t, key16, idA, top-HelloSlack-2, hello), Stats{Opened: 1}, "Hello for B, 66 below")
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, top-HelloSlack, hello), Stats{Opened: 1}, "Hello for 0, 64 below")
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, top+1, hello), Stats{Opened: 1}, "Hello for 0 above")
	injectExpect(t, ep, b, mustSeal(t, key16, idA, top-300, data), Stats{Opened: 1}, "Data 301 below")
}

// TestMisaddressedMovesNothing: anything but a Hello sealed for recipient
// 0 is dropped as misaddressed, and leaves no trace: no window for an
// unknown sender, and for a known one the window does not move (a
// datagram with a far higher counter would otherwise push the window past
// the sender's genuine ones).
func TestMisaddressedMovesNothing(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{})
	data := dataMsg(t, 1, idA, 1, []byte("x"))
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, startA+100, data), Stats{Misaddressed: 1}, "Data for 0, unknown sender")
	if len(b.peers) != 0 {
		t.Fatalf("a misaddressed datagram left a window")
	}
	injectExpect(t, ep, b, mustSeal(t, key16, idA, startA+10, data), Stats{Opened: 1}, "Data for B")
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, startA+1<<30, data), Stats{Misaddressed: 1}, "Data for 0, known sender")
	injectExpect(t, ep, b, mustSeal(t, key16, idA, startA+9, data), Stats{Opened: 1}, "Data for B, just below")
	for _, typ := range []message.Type{message.TypeWelcome, message.TypeLeave} {
		injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, startA+20+uint64(typ), memberMsg(t, typ, idA, addrA)),
			Stats{Misaddressed: 1}, typ.String()+" for 0")
	}
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, startA+30, []byte{0, 1}), Stats{Misaddressed: 1}, "a stub for 0")
	injectExpect(t, ep, b, mustSealFor(t, key16, idA, 0, startA+31, memberMsg(t, message.TypeHello, idA, addrA)),
		Stats{Opened: 1}, "Hello for 0")

	// The sender side: a non-Hello to an address it has heard nothing
	// from goes to recipient 0, and is counted.
	a := New(n.Listen(addrA), mustRing(t, key16), idA, startA, Options{})
	if err := a.WriteTo(data, addrC); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s.Unaddressed != 1 || s.Sealed != 1 {
		t.Errorf("stats %+v; want one Unaddressed", s)
	}
}

// TestVersion1IsRefused: a datagram in the first sealed format (version
// byte 1, additional data the 20-byte header alone) is dropped and
// counted as Version, whatever its key; so is any other version.
func TestVersion1IsRefused(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{AcceptPlaintext: true})
	v1 := sealV1(t, key16, idA, startA, dataMsg(t, 1, idA, 1, []byte("v1")))
	injectExpect(t, ep, b, v1, Stats{Version: 1}, "version 1")
	for _, v := range []byte{0, 3, 255} {
		d := bytes.Clone(v1)
		d[2] = v
		injectExpect(t, ep, b, d, Stats{Version: 1}, "another version")
	}
	if len(b.peers) != 0 {
		t.Errorf("windows kept for refused versions")
	}
}

// sealV1 builds a datagram of the first sealed format by hand.
func sealV1(t testing.TB, key []byte, sender, counter uint64, pt []byte) []byte {
	t.Helper()
	sub, err := subkey(key, sender)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	h := []byte{0, 8, 1, byte(IDOf(key))}
	h = binary.BigEndian.AppendUint64(h, sender)
	h = binary.BigEndian.AppendUint64(h, counter)
	nonce := binary.BigEndian.AppendUint64([]byte{0, 0, 0, 0}, counter)
	return gcm.Seal(bytes.Clone(h), nonce, pt, h)
}

// TestAnswerFollowsTheSendersAddress: WriteTo without an id seals for the
// sender last accepted from the address, and follows a sender that
// restarts there under a new id.
func TestAnswerFollowsTheSendersAddress(t *testing.T) {
	n := memnet.New()
	var c capture
	n.Filter = c.filter
	epB := n.Listen(addrB)
	b := New(epB, mustRing(t, key16), idB, startB, Options{})
	ack := []byte{0, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0, 7}
	for _, sender := range []uint64{idA, idC} { // C restarts at A's address
		epB.Inject(addrA, mustSeal(t, key16, sender, startA, dataMsg(t, 1, sender, 1, nil)))
		drain(t, b)
		c.got = nil
		if err := b.WriteTo(ack, addrA); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := Open(nil, key16, c.got[0], sender); err != nil {
			t.Errorf("the answer to %x is not sealed for it: %v", sender, err)
		}
	}
	if len(b.byAddr) != 1 || b.byAddr[addrA].id != idC {
		t.Errorf("byAddr %v", b.byAddr)
	}
}
