package seal

import (
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// benchPlain is the plaintext of a 512-byte sealed datagram: the largest
// at the default MaxMessageSize.
const benchPlain = message.DefaultMaxMessageSize - Overhead

func benchData(b *testing.B) []byte {
	return dataMsg(b, 1, idA, 1, make([]byte, benchPlain-message.DataOverhead))
}

// BenchmarkSeal512 measures WriteTo sealing a datagram 512 bytes long once
// sealed, into an inner transport that drops it.
func BenchmarkSeal512(b *testing.B) {
	n := memnet.New()
	n.Filter = func(_, _ netip.AddrPort, _ []byte) bool { return true }
	a := New(n.Listen(addrA), mustRing(b, key16), idA, startA, Options{})
	pt := benchData(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if err := a.WriteToID(pt, addrB, idB); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen512 measures ReadFrom opening a 512-byte sealed datagram
// of a known sender, the inner transport's copy included.
func BenchmarkOpen512(b *testing.B) {
	n := memnet.New()
	ep := n.Listen(addrB)
	r := New(ep, mustRing(b, key16), idB, startB, Options{})
	pt := benchData(b)
	const k = 4096
	sealed := make([][]byte, k)
	for i := range sealed {
		sealed[i] = mustSeal(b, key16, idA, startA+uint64(i), pt)
	}
	buf := make([]byte, readBufSize)
	ep.Inject(addrX, sealed[0])
	if _, _, err := r.ReadFrom(buf); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	i := 1
	for b.Loop() {
		if i == k { // the counters come round again: forget them
			i = 0
			r.peers[idA].win = window{}
		}
		ep.Inject(addrX, sealed[i])
		i++
		if _, _, err := r.ReadFrom(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenUnknownSender512 measures the cost of junk that names a
// ring key's keyID and an invented sender: one subkey derivation and one
// failed open.
func BenchmarkOpenUnknownSender512(b *testing.B) {
	n := memnet.New()
	ep := n.Listen(addrB)
	r := New(ep, mustRing(b, key16), idB, startB, Options{})
	junk := mustSeal(b, key16, idA, startA, benchData(b))
	junk[len(junk)-1] ^= 1
	buf := make([]byte, readBufSize)
	b.ReportAllocs()
	b.SetBytes(int64(len(junk) - Overhead))
	for b.Loop() {
		ep.Inject(addrX, junk)
		if _, _, err := r.ReadFrom(buf); err == nil {
			b.Fatal("junk accepted")
		}
	}
	if r.Stats().NoKey == 0 || len(r.peers) != 0 {
		b.Fatal("junk not counted, or kept")
	}
}
