package gossip_test

import (
	"math/rand/v2"
	"net/netip"

	"github.com/tickgossip/gossip/message"
)

// forger makes hostile datagrams: pure garbage, well-formed messages of
// every type with random fields, and well-formed messages mutated by a
// bit flip, a cut or an extension. Most garbage dies at the header, so
// most of what it makes gets past the header to the handlers.
type forger struct {
	r       *rand.Rand
	buf     []byte
	senders []netip.AddrPort // sources and member addresses to pick from
	origins []uint64         // Data origins to pick from
}

func newForger(seed uint64, senders []netip.AddrPort, origins int) *forger {
	f := &forger{r: rand.New(rand.NewPCG(seed, 7)), buf: make([]byte, 1024), senders: senders}
	for i := range origins {
		f.origins = append(f.origins, 0xF0000000+uint64(i))
	}
	return f
}

// sender picks a source address.
func (f *forger) sender() netip.AddrPort { return f.senders[f.r.IntN(len(f.senders))] }

func (f *forger) member() message.Member {
	id := f.r.Uint64N(1<<20) + 1 // a small id space, so ids recur
	return message.Member{ID: id, Addr: f.sender()}
}

// valid encodes a random well-formed message into f.buf.
func (f *forger) valid() []byte {
	b := f.buf[:512]
	seq := f.r.Uint32()
	var n int
	var err error
	switch f.r.IntN(7) {
	case 0:
		h := message.Hello{Member: f.member()}
		n, err = h.Encode(b, seq)
	case 1:
		w := message.Welcome{HelloSeq: f.r.Uint32(), Member: f.member()}
		n, err = w.Encode(b, seq)
	case 2:
		w, _ := message.NewMemberListWriter(b, seq)
		for range f.r.IntN(4) {
			w.Add(f.member())
		}
		n = w.Finish()
	case 3:
		a := message.Ack{AckedSeq: f.r.Uint32()}
		n, err = a.Encode(b, seq)
	case 4:
		d := message.Data{Origin: f.origins[f.r.IntN(len(f.origins))], OriginSeq: f.r.Uint32N(200) + 1, Payload: f.buf[600 : 600+f.r.IntN(64)]}
		n, err = d.Encode(b, seq)
	case 5:
		w, _ := message.NewStatusWriter(b, seq)
		for range f.r.IntN(6) {
			w.Add(f.origins[f.r.IntN(len(f.origins))], f.r.Uint32N(300))
		}
		n = w.Finish()
	case 6:
		l := message.Leave{Member: f.member()}
		n, err = l.Encode(b, seq)
	}
	if err != nil {
		panic(err)
	}
	return b[:n]
}

// data encodes a well-formed Data datagram into f.buf.
func (f *forger) data(origin uint64, seq uint32) []byte {
	d := message.Data{Origin: origin, OriginSeq: seq, Payload: f.buf[600:632]}
	n, err := d.Encode(f.buf, f.r.Uint32())
	if err != nil {
		panic(err)
	}
	return f.buf[:n]
}

// datagram returns the next hostile datagram; it aliases f.buf.
func (f *forger) datagram() []byte {
	switch k := f.r.IntN(16); {
	case k == 0: // garbage
		b := f.buf[:f.r.IntN(600)]
		for i := range b {
			b[i] = byte(f.r.Uint32())
		}
		return b
	case k < 8: // well formed
		return f.valid()
	default: // mutated
		b := f.valid()
		switch f.r.IntN(3) {
		case 0:
			i := f.r.IntN(len(b))
			b[i] ^= 1 << f.r.IntN(8)
		case 1:
			b = b[:f.r.IntN(len(b))]
		case 2:
			b = b[:len(b)+1+f.r.IntN(4)]
		}
		return b
	}
}

// strangers returns n distinct addresses no node listens on.
func strangers(n int) []netip.AddrPort {
	out := make([]netip.AddrPort, n)
	for i := range out {
		out[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 7946)
	}
	return out
}
