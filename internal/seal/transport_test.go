package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

func TestRoundTrip(t *testing.T) {
	n := memnet.New()
	var c capture
	n.Filter = c.filter
	ring := mustRing(t, key16)
	a := New(n.Listen(addrA), ring, idA, startA, Options{})
	b := New(n.Listen(addrB), mustRing(t, key16), idB, startB, Options{})

	sent := [][]byte{
		memberMsg(t, message.TypeHello, idA, addrA),
		dataMsg(t, 1, idA, 1, []byte("hello")),
		dataMsg(t, 2, idC, 7, bytes.Repeat([]byte{0xee}, 454)), // the largest at 512
		memberMsg(t, message.TypeLeave, idA, addrA),
	}
	// The Hello goes to recipient 0 (A does not know B's id yet); the rest
	// name B.
	if err := a.WriteTo(sent[0], addrB); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent[1:] {
		if err := a.WriteToID(m, addrB, idB); err != nil {
			t.Fatal(err)
		}
	}
	got := drain(t, b)
	if !slices.EqualFunc(got, sent, bytes.Equal) {
		t.Fatalf("B read %x\nwant %x", got, sent)
	}
	if s := a.Stats(); s.Sealed != uint64(len(sent)) {
		t.Errorf("A stats %+v", s)
	}
	if s := b.Stats(); s.Opened != uint64(len(sent)) || s.Dropped() != 0 {
		t.Errorf("B stats %+v", s)
	}
	// On the wire: the format's clear header, counters from startA up by
	// one, and what Open makes of it.
	for i, w := range c.got {
		if len(w) != len(sent[i])+Overhead || len(w) > message.DefaultMaxMessageSize {
			t.Errorf("datagram %d: %d bytes", i, len(w))
		}
		want := []byte{0, 8, 2, byte(IDOf(key16))}
		want = binary.BigEndian.AppendUint64(want, idA)
		want = binary.BigEndian.AppendUint64(want, startA+uint64(i))
		if !bytes.HasPrefix(w, want) {
			t.Errorf("datagram %d header %x; want %x", i, w[:20], want)
		}
		recipient := uint64(idB) // A has heard nothing from B: only its Hello goes to 0
		if i == 0 {
			recipient = 0
		}
		pt, sender, counter, err := Open(nil, key16, w, recipient)
		if err != nil || !bytes.Equal(pt, sent[i]) || sender != idA || counter != startA+uint64(i) {
			t.Errorf("Open(datagram %d) = %x, %x, %d, %v", i, pt, sender, counter, err)
		}
	}
	// And back: WriteTo without an id answers the sender B last accepted
	// from addrA, so it is sealed for A.
	c.got = nil
	if err := b.WriteTo(sent[1], addrA); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, a); len(got) != 1 || !bytes.Equal(got[0], sent[1]) {
		t.Fatalf("A read %x", got)
	}
	if _, _, _, err := Open(nil, key16, c.got[0], idA); err != nil || b.Stats().Unaddressed != 0 {
		t.Errorf("B's answer is not sealed for A: %v, %+v", err, b.Stats())
	}
	if a.Overhead() != 36 || a.Keyring() != ring || a.LocalAddr() != addrA || a.FD() != -1 {
		t.Error("accessors")
	}
}

func TestNoKey(t *testing.T) {
	n := memnet.New()
	a := New(n.Listen(addrA), mustRing(t, key24), idA, startA, Options{})
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16, key32), idB, startB, Options{})
	if err := a.WriteTo(dataMsg(t, 1, idA, 1, nil), addrB); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, b); len(got) != 0 {
		t.Fatalf("accepted %x", got)
	}
	if s := b.Stats(); s.NoKey != 1 || s.Dropped() != 1 {
		t.Errorf("stats %+v", s)
	}
	// A keyID that matches, under a key that is not the ring's.
	other := collidingKey(t, key16)
	injectExpect(t, ep, b, mustSeal(t, other, idA, startA, dataMsg(t, 1, idA, 1, nil)),
		Stats{NoKey: 1}, "colliding keyID, key not in ring")
	if len(b.peers) != 0 {
		t.Errorf("%d windows kept for unauthenticated senders", len(b.peers))
	}
}

// collidingKey returns a 16-byte key, not key, with key's KeyID.
func collidingKey(t testing.TB, key []byte) []byte {
	t.Helper()
	want := IDOf(key)
	for i := 0; i < 1<<16; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "collide %d", i))
		k := sum[:16]
		if IDOf(k) == want && !bytes.Equal(k, key) {
			return k
		}
	}
	t.Fatal("no colliding key found")
	return nil
}

func TestKeyIDCollision(t *testing.T) {
	other := collidingKey(t, key16)
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16, other), idB, startB, Options{})
	pt := dataMsg(t, 1, idA, 1, []byte("x"))
	// Unknown sender, under the second key; then known sender (key16's
	// subkey not cached), then under the first.
	for i, key := range [][]byte{other, other, key16, other, key16} {
		ep.Inject(addrX, mustSeal(t, key, idA, startA+uint64(i), pt))
		if got := drain(t, b); len(got) != 1 || !bytes.Equal(got[0], pt) {
			t.Fatalf("datagram %d: read %x; want it", i, got)
		}
	}
	if p := b.peers[idA]; p == nil || len(p.keys) != 2 {
		t.Errorf("peer %+v; want both subkeys cached", p)
	}
}

// TestBitFlips flips every bit of one sealed datagram in turn: none is
// accepted, each is counted under its reason, none leaves state behind,
// and the intact datagram is accepted afterwards.
func TestBitFlips(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key32), idB, startB, Options{})
	pt := memberMsg(t, message.TypeHello, idA, addrA)
	sealed := mustSeal(t, key32, idA, startA, pt)
	for i := range sealed {
		var want Stats
		switch {
		case i < 2:
			want.PlaintextRefused = 1 // no longer type 8: plaintext
		case i == 2:
			want.Version = 1 // another version, 1 included
		default:
			want.NoKey = 1 // keyID, sender, counter, ciphertext, tag
		}
		for bit := range 8 {
			f := bytes.Clone(sealed)
			f[i] ^= 1 << bit
			injectExpect(t, ep, b, f, want, fmt.Sprintf("byte %d bit %d", i, bit))
		}
	}
	if len(b.peers) != 0 {
		t.Fatalf("%d windows after forgeries", len(b.peers))
	}
	ep.Inject(addrX, sealed)
	if got := drain(t, b); len(got) != 1 || !bytes.Equal(got[0], pt) {
		t.Fatalf("intact datagram: read %x", got)
	}
	// The same flips with AcceptPlaintext: a mangled type is passed on
	// as plaintext (the engine drops it as an unknown type); nothing else
	// changes.
	b2 := New(ep, mustRing(t, key32), idB, startB, Options{AcceptPlaintext: true})
	for bit := range 8 {
		f := bytes.Clone(sealed)
		f[1] ^= 1 << bit
		injectExpect(t, ep, b2, f, Stats{PlaintextAccepted: 1}, fmt.Sprintf("type bit %d", bit))
		f = bytes.Clone(sealed)
		f[len(f)-1] ^= 1 << bit
		injectExpect(t, ep, b2, f, Stats{NoKey: 1}, fmt.Sprintf("tag bit %d", bit))
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{})
	sealed := mustSeal(t, key16, idA, startA, dataMsg(t, 1, idA, 1, []byte("payload")))
	for l := range len(sealed) {
		var want Stats
		switch {
		case l < 2:
			want.PlaintextRefused = 1 // too short to be typed Sealed
		case l < Overhead:
			want.Malformed = 1
		default:
			want.NoKey = 1
		}
		injectExpect(t, ep, b, sealed[:l], want, fmt.Sprintf("cut to %d", l))
	}
	injectExpect(t, ep, b, append(bytes.Clone(sealed), 0), Stats{NoKey: 1}, "one byte appended")
	// An empty plaintext seals to exactly 36 bytes and opens.
	injectExpect(t, ep, b, mustSeal(t, key16, idA, startA+1, nil), Stats{Opened: 1}, "empty plaintext")
}

func TestPlaintext(t *testing.T) {
	n := memnet.New()
	pt := dataMsg(t, 1, idA, 1, []byte("clear"))

	ep := n.Listen(addrB)
	keyed := New(ep, mustRing(t, key16), idB, startB, Options{})
	injectExpect(t, ep, keyed, pt, Stats{PlaintextRefused: 1}, "plaintext to a keyed node")
	injectExpect(t, ep, keyed, nil, Stats{PlaintextRefused: 1}, "empty datagram")

	epC := n.Listen(addrC)
	open := New(epC, mustRing(t, key16), idC, startC, Options{AcceptPlaintext: true})
	epC.Inject(addrX, pt)
	if got := drain(t, open); len(got) != 1 || !bytes.Equal(got[0], pt) {
		t.Fatalf("AcceptPlaintext: read %x", got)
	}
	if s := open.Stats(); s.PlaintextAccepted != 1 || s.Dropped() != 0 {
		t.Errorf("stats %+v", s)
	}

	// SendPlaintext sends unsealed, and still opens sealed datagrams.
	a := New(n.Listen(addrA), mustRing(t, key16), idA, startA, Options{SendPlaintext: true, AcceptPlaintext: true})
	var c capture
	n.Filter = c.filter
	for _, to := range []netip.AddrPort{addrB, addrC} {
		if err := a.WriteTo(pt, to); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.got) != 2 || !bytes.Equal(c.got[0], pt) {
		t.Fatalf("SendPlaintext put %x on the wire", c.got)
	}
	if got := drain(t, keyed); len(got) != 0 {
		t.Errorf("keyed node accepted plaintext")
	}
	if got := drain(t, open); len(got) != 1 || !bytes.Equal(got[0], pt) {
		t.Errorf("AcceptPlaintext node read %x", got)
	}
	if err := keyed.WriteToID(pt, addrA, idA); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, a); len(got) != 1 || !bytes.Equal(got[0], pt) {
		t.Errorf("SendPlaintext node did not open a sealed datagram: %x", got)
	}
	if s := a.Stats(); s.PlaintextSent != 2 || s.Sealed != 0 || s.Opened != 1 {
		t.Errorf("SendPlaintext stats %+v", s)
	}
}

func TestReplay(t *testing.T) {
	n := memnet.New()
	var c capture
	n.Filter = c.filter
	a := New(n.Listen(addrA), mustRing(t, key24), idA, startA, Options{})
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key24), idB, startB, Options{})
	const count = 50
	for i := range count {
		var m []byte
		if i%10 == 0 {
			m = memberMsg(t, message.TypeHello, idA, addrA)
		} else {
			m = dataMsg(t, uint32(i), idA, uint32(i), []byte{byte(i)})
		}
		if err := a.WriteToID(m, addrB, idB); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 { // retries are sealed afresh: new counter, accepted
			if err := a.WriteToID(m, addrB, idB); err != nil {
				t.Fatal(err)
			}
		}
	}
	sent := len(c.got)
	if got := drain(t, b); len(got) != sent {
		t.Fatalf("read %d of %d", len(got), sent)
	}
	replays := slices.Clone(c.got)
	for _, r := range slices.Backward(c.got) {
		replays = append(replays, r)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(c.got), func(i, j int) { c.got[i], c.got[j] = c.got[j], c.got[i] })
	replays = append(replays, c.got...)
	for _, r := range replays {
		ep.Inject(addrX, r)
	}
	if got := drain(t, b); len(got) != 0 {
		t.Fatalf("%d replays accepted", len(got))
	}
	if s := b.Stats(); s.Replayed != uint64(len(replays)) || s.Opened != uint64(sent) || s.Dropped() != s.Replayed {
		t.Errorf("stats %+v; want %d replayed", s, len(replays))
	}
}

func TestReorderWindow(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{})
	pt := dataMsg(t, 1, idA, 1, []byte("r"))
	const H = startA + 5000
	send := func(c uint64, accept bool) {
		t.Helper()
		want := Stats{Replayed: 1}
		if accept {
			want = Stats{Opened: 1}
		}
		injectExpect(t, ep, b, mustSeal(t, key16, idA, c, pt), want, fmt.Sprintf("counter H%+d", int64(c-H)))
	}
	send(H, true)
	send(H-WindowSize, true)    // exactly 1024 below: still in the window
	send(H-WindowSize-1, false) // more than 1024 below
	below := make([]uint64, 0, WindowSize-1)
	for c := uint64(H - WindowSize + 1); c < H; c++ {
		below = append(below, c)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(below), func(i, j int) { below[i], below[j] = below[j], below[i] })
	for _, c := range below {
		send(c, true)
	}
	for _, c := range below[:100] {
		send(c, false)
	}
	send(H, false)
	send(H+1, true)
	send(H-WindowSize, false) // now 1025 below
	send(H+1+3000, true)      // a jump beyond the window
	send(H+1, false)          // 3000 below
	send(H+1+2999, true)
	send(H+1+3000-WindowSize, true)
	send(H+1+3000-WindowSize-1, false)
	send(math.MaxUint64, true)
	send(math.MaxUint64-1, true)
	send(math.MaxUint64, false)
}

func TestSenderMismatch(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{})
	c := uint64(startA)
	next := func() uint64 { c++; return c }
	for _, typ := range []message.Type{message.TypeHello, message.TypeWelcome, message.TypeLeave} {
		own := memberMsg(t, typ, idA, addrA)
		injectExpect(t, ep, b, mustSeal(t, key16, idA, next(), own), Stats{Opened: 1}, typ.String()+" naming its sender")
		other := memberMsg(t, typ, idC, addrC)
		mismatch := mustSeal(t, key16, idA, next(), other)
		injectExpect(t, ep, b, mismatch, Stats{SenderMismatch: 1}, typ.String()+" naming another member")
		// The mismatch authenticated, so its counter is used up.
		injectExpect(t, ep, b, mismatch, Stats{Replayed: 1}, typ.String()+" mismatch replayed")
		// One that does not decode is the engine's to drop.
		cut := mustSeal(t, key16, idA, next(), other[:len(other)-1])
		injectExpect(t, ep, b, cut, Stats{Opened: 1}, typ.String()+" truncated inside")
	}
	// Other types name no sender.
	injectExpect(t, ep, b, mustSeal(t, key16, idA, next(), dataMsg(t, 1, idC, 1, nil)), Stats{Opened: 1}, "Data from another origin")
	ml := []byte{0, 3, 1, 0, 0, 0, 0, 1, 0, 0}
	injectExpect(t, ep, b, mustSeal(t, key16, idA, next(), ml), Stats{Opened: 1}, "empty MemberList")
}

func TestOversize(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{AcceptPlaintext: true})
	buf := make([]byte, 100)
	read := func() (int, error) {
		n, _, err := b.ReadFrom(buf)
		return n, err
	}
	pt := bytes.Repeat([]byte{0, 5, 1, 0}, 100)
	ep.Inject(addrX, mustSeal(t, key16, idA, startA, pt[:99]))
	if n, err := read(); n != 99 || err != nil || !bytes.Equal(buf[:99], pt[:99]) {
		t.Fatalf("99 bytes into 100: %d, %v", n, err)
	}
	for _, l := range []int{100, 101, 300} {
		ep.Inject(addrX, mustSeal(t, key16, idA, startA+uint64(l), pt[:l]))
		if n, err := read(); !errors.Is(err, transport.ErrWouldBlock) {
			t.Fatalf("%d bytes into 100: %d, %v", l, n, err)
		}
	}
	if s := b.Stats(); s.Oversize != 3 || s.Opened != 1 {
		t.Errorf("stats %+v", s)
	}
	// Plaintext is truncated, n == len(b) marking it, as the contract says.
	ep.Inject(addrX, pt[:150])
	if n, err := read(); n != 100 || err != nil {
		t.Errorf("150 plaintext bytes into 100: %d, %v", n, err)
	}
}

func TestCounter(t *testing.T) {
	n := memnet.New()
	var c capture
	c.drop = true
	n.Filter = c.filter
	a := New(n.Listen(addrA), mustRing(t, key16), idA, math.MaxUint64-2, Options{})
	m := dataMsg(t, 1, idA, 1, nil)
	for range 2 {
		if err := a.WriteToID(m, addrB, idB); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.WriteTo(m, addrB); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("third WriteTo: %v; want ErrCounterExhausted", err)
	}
	for i, w := range c.got {
		if got := binary.BigEndian.Uint64(w[12:]); got != math.MaxUint64-2+uint64(i) {
			t.Errorf("datagram %d counter %d", i, got)
		}
	}
	if s := a.Stats(); s.Sealed != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestClose(t *testing.T) {
	n := memnet.New()
	a := New(n.Listen(addrA), mustRing(t, key16), idA, startA, Options{})
	if _, _, err := a.ReadFrom(make([]byte, 10)); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("ReadFrom on empty: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := a.ReadFrom(make([]byte, 10)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("ReadFrom: %v", err)
	}
	if err := a.WriteTo([]byte{1}, addrB); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("WriteTo: %v", err)
	}
}

func TestZeroKeyring(t *testing.T) {
	n := memnet.New()
	a := New(n.Listen(addrA), new(Keyring), idA, startA, Options{})
	if err := a.WriteTo([]byte{1}, addrB); !errors.Is(err, ErrNoKeys) {
		t.Errorf("WriteTo with a zero Keyring: %v", err)
	}
}

// TestKeyRotation rolls three nodes from one key to another, one node at a
// time, with traffic between every two steps: nothing is lost, and the
// old key opens nothing at the end.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := key16, key32
	n := memnet.New()
	addrs := []netip.AddrPort{addrA, addrB, addrC}
	ids := []uint64{idA, idB, idC}
	nodes := make([]*Transport, 3)
	for i := range nodes {
		nodes[i] = New(n.Listen(addrs[i]), mustRing(t, oldKey), ids[i], startA+uint64(i)<<40, Options{})
	}
	round := 0
	traffic := func(step string) {
		t.Helper()
		round++
		sent := 0
		for i, from := range nodes {
			for j := range nodes {
				if i == j {
					continue
				}
				m := dataMsg(t, uint32(round), ids[i], uint32(round), []byte(step))
				if err := from.WriteToID(m, addrs[j], ids[j]); err != nil {
					t.Fatal(err)
				}
				sent++
			}
		}
		got := 0
		for _, to := range nodes {
			for _, m := range drain(t, to) {
				if !bytes.Contains(m, []byte(step)) {
					t.Errorf("%s: read %q", step, m)
				}
				got++
			}
		}
		if got != sent {
			t.Errorf("%s: %d of %d datagrams arrived", step, got, sent)
		}
		for i, to := range nodes {
			if s := to.Stats(); s.Dropped() != 0 {
				t.Errorf("%s: node %d dropped %+v", step, i, s)
			}
		}
	}
	// In flight across a change: A writes under the old key, B switches
	// primary before reading it.
	inFlight := func(step string, change func()) {
		t.Helper()
		m := dataMsg(t, 1, idA, 1, []byte(step))
		if err := nodes[0].WriteToID(m, addrB, idB); err != nil {
			t.Fatal(err)
		}
		change()
		if got := drain(t, nodes[1]); len(got) != 1 {
			t.Errorf("%s: in-flight datagram lost", step)
		}
	}
	traffic("start")
	for i, nd := range nodes {
		if err := nd.Keyring().Add(newKey); err != nil {
			t.Fatal(err)
		}
		traffic(fmt.Sprintf("add %d", i))
	}
	inFlight("use", func() {
		if err := nodes[1].Keyring().Use(newKey); err != nil {
			t.Fatal(err)
		}
	})
	for i, nd := range nodes {
		if err := nd.Keyring().Use(newKey); err != nil {
			t.Fatal(err)
		}
		traffic(fmt.Sprintf("use %d", i))
	}
	for i, nd := range nodes {
		if err := nd.Keyring().Remove(oldKey); err != nil {
			t.Fatal(err)
		}
		traffic(fmt.Sprintf("remove %d", i))
	}
	for i, nd := range nodes {
		if ids := nd.Keyring().IDs(); len(ids) != 1 || ids[0] != IDOf(newKey) {
			t.Errorf("node %d ring %v", i, ids)
		}
		for _, p := range nd.peers {
			if len(p.keys) != 1 || !bytes.Equal(p.keys[0].ks.key, newKey) {
				t.Errorf("node %d keeps a subkey of a removed key", i)
			}
		}
	}
	// The old key is gone.
	ep, _ := n.Endpoint(addrB)
	injectExpect(t, ep, nodes[1], mustSeal(t, oldKey, idA, math.MaxUint64-1, dataMsg(t, 1, idA, 1, nil)),
		Stats{NoKey: 1}, "sealed under the removed key")
}

func TestWindowEviction(t *testing.T) {
	n := memnet.New()
	ep := n.Listen(addrB)
	b := New(ep, mustRing(t, key16), idB, startB, Options{MaxWindows: 3})
	pt := dataMsg(t, 1, 1, 1, nil)
	counter := map[uint64]uint64{}
	from := func(sender uint64) []byte {
		counter[sender]++
		return mustSeal(t, key16, sender, counter[sender], pt)
	}
	first := map[uint64][]byte{}
	for s := uint64(1); s <= 3; s++ {
		first[s] = from(s)
		injectExpect(t, ep, b, first[s], Stats{Opened: 1}, fmt.Sprint("sender ", s))
	}
	injectExpect(t, ep, b, from(1), Stats{Opened: 1}, "sender 1 again") // 2 is now the oldest
	injectExpect(t, ep, b, from(4), Stats{Opened: 1, WindowsEvicted: 1}, "sender 4")
	if _, ok := b.peers[2]; ok || len(b.peers) != 3 {
		t.Errorf("windows %v; want 1, 3, 4", slices.Collect(maps.Keys(b.peers)))
	}
	for s := uint64(5); s <= 40; s++ {
		injectExpect(t, ep, b, from(s), Stats{Opened: 1, WindowsEvicted: 1}, fmt.Sprint("sender ", s))
		if len(b.peers) > 3 {
			t.Fatalf("%d windows", len(b.peers))
		}
	}
	// Forgetting a window forgets what it accepted: an evicted sender's
	// old datagram is accepted once more. This is the price of the bound.
	injectExpect(t, ep, b, first[2], Stats{Opened: 1, WindowsEvicted: 1}, "replay after eviction")
	injectExpect(t, ep, b, first[2], Stats{Replayed: 1}, "replay again")
	// The list and the map agree.
	seen := 0
	for p := b.head; p != nil; p = p.next {
		if b.peers[p.id] != p {
			t.Errorf("list holds %x, map does not", p.id)
		}
		seen++
	}
	if seen != len(b.peers) {
		t.Errorf("list %d, map %d", seen, len(b.peers))
	}
}

// TestConcurrentRotation changes the ring from another goroutine while the
// transports run: for the race detector.
func TestConcurrentRotation(t *testing.T) {
	n := memnet.New()
	ring := mustRing(t, key16, key24)
	a := New(n.Listen(addrA), ring, idA, startA, Options{})
	b := New(n.Listen(addrB), mustRing(t, key16, key24, key32), idB, startB, Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := [][]byte{key16, key24}[i%2]
			_ = ring.Use(k)
			_ = ring.Add(key32)
			_ = ring.Remove(key32)
			_ = ring.IDs()
		}
	})
	m := dataMsg(t, 1, idA, 1, []byte("concurrent"))
	for range 2000 {
		if err := a.WriteToID(m, addrB, idB); err != nil {
			t.Fatal(err)
		}
		drain(t, b)
	}
	close(stop)
	wg.Wait()
	if s := b.Stats(); s.Opened != 2000 {
		t.Errorf("stats %+v", s)
	}
}
