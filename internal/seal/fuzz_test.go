package seal

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/transport"
)

// FuzzOpen's mode byte: the two low bits are flags, the rest picks a key
// of the ring.
const (
	modePrefix          = 1 << 0 // prepend a valid 4-byte prefix: type 8, version 2, a ring key's keyID
	modeAcceptPlaintext = 1 << 1 // the receiver accepts plaintext too
)

// fuzzReadBuf is the receiver's buffer: a size between the default
// MaxMessageSize and the largest datagram, so that inputs of either side
// of it occur.
const fuzzReadBuf = 1024

// FuzzOpen passes arbitrary bytes, with or without a valid prefix, through
// ReadFrom under a fixed ring: it never panics, counts every datagram once,
// and returns nothing but the plaintext of a datagram sealed under a key
// of the ring for this receiver, or of a Hello sealed for recipient 0
// (and, with AcceptPlaintext, unsealed datagrams unchanged).
func FuzzOpen(f *testing.F) {
	for _, g := range readSealedGoldens(f) {
		k := byte(ringIndex(g.key))
		f.Add(k<<2, g.sealed)
		f.Add(k<<2|modePrefix, g.sealed[4:])
		f.Add(k<<2|modeAcceptPlaintext, g.plaintext)
	}
	ring := mustRing(f, goldenKeys...)
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		if mode&modePrefix != 0 {
			key := goldenKeys[int(mode>>2)%len(goldenKeys)]
			data = append([]byte{0, 8, Version, byte(IDOf(key))}, data...)
		}
		accept := mode&modeAcceptPlaintext != 0
		n := memnet.New()
		ep := n.Listen(addrB)
		tr := New(ep, ring, goldenRecipient, startB, Options{AcceptPlaintext: accept})
		ep.Inject(addrX, data)
		buf := make([]byte, fuzzReadBuf)
		var got []byte
		ok := false
		for {
			m, _, err := tr.ReadFrom(buf)
			if errors.Is(err, transport.ErrWouldBlock) {
				break
			}
			if err != nil {
				t.Fatalf("ReadFrom: %v", err)
			}
			if ok {
				t.Fatal("one datagram in, two out")
			}
			got, ok = buf[:m], true
		}
		s := tr.Stats()
		if s.Opened+s.PlaintextAccepted+s.Dropped() != 1 {
			t.Fatalf("one datagram counted as %+v", s)
		}
		if !ok {
			return
		}
		if !isSealed(data) {
			if !accept || s.PlaintextAccepted != 1 || !bytes.Equal(got, data[:min(len(data), len(buf))]) {
				t.Fatalf("plaintext %x returned as %x (accept %v)", data, got, accept)
			}
			return
		}
		// It must open under a key of the ring, to what was returned,
		// and name its own sender if it names one.
		for _, key := range goldenKeys {
			pt, sender, _, err := Open(nil, key, data, goldenRecipient)
			if err != nil {
				if pt, sender, _, err = Open(nil, key, data, 0); err == nil && !isHello(pt) {
					t.Fatalf("accepted %x, sealed for recipient 0 and not a Hello", data)
				}
			}
			if err == nil && bytes.Equal(pt, got) && senderMatches(pt, sender) && len(pt) < len(buf) {
				return
			}
		}
		t.Fatalf("accepted %x, which opens under no key of the ring", data)
	})
}
