package gossip_test

import (
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/internal/seal"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// sealedHotPath is hotPath with keys: one keyed service and four scripted
// peers, each behind a seal.Transport of its own under the same key, so
// they seal what they send and open what they read. The peers acknowledge
// whatever asks for an Ack.
type sealedHotPath struct {
	svc   *gossip.GossipService
	peers []*seal.Transport
	to    netip.AddrPort
	buf   []byte
	in    []byte
	seq   uint32
}

func newSealedHotPath(tb testing.TB) *sealedHotPath {
	key := testKey("k1")
	net := memnet.New()
	clock := memnet.NewClock()
	cfg := gossip.DefaultConfig()
	cfg.Keys = [][]byte{key}
	ep := net.Listen(memnet.Addr(7000))
	h := &sealedHotPath{to: ep.LocalAddr(), buf: make([]byte, 600), in: make([]byte, 600)}
	cfg.Transport, cfg.Clock = ep, clock
	var err error
	if h.svc, err = gossip.New(cfg); err != nil {
		tb.Fatal(err)
	}
	if err := h.svc.Join(); err != nil {
		tb.Fatal(err)
	}
	for i := range 4 {
		ring, err := seal.NewKeyring(key)
		if err != nil {
			tb.Fatal(err)
		}
		id := uint64(100 + i)
		pep := net.Listen(memnet.Addr(uint16(8000 + i)))
		p := seal.New(pep, ring, id, uint64(clock.Now().UnixNano()), seal.Options{})
		h.peers = append(h.peers, p)
		hello := message.Hello{Member: message.Member{ID: id, Addr: p.LocalAddr()}}
		n, _ := hello.Encode(h.buf, 1)
		if err := p.WriteTo(h.buf[:n], h.to); err != nil {
			tb.Fatal(err)
		}
	}
	h.turn()
	if h.svc.NumMembers() != 4 {
		tb.Fatalf("setup: %d members", h.svc.NumMembers())
	}
	return h
}

// turn runs the service's receive and send, then lets each peer answer.
func (h *sealedHotPath) turn() {
	for {
		h.svc.Receive()
		h.svc.Send()
		answered := false
		for _, p := range h.peers {
			for {
				n, _, err := p.ReadFrom(h.in)
				if err == transport.ErrWouldBlock {
					break
				}
				if err != nil {
					panic(err)
				}
				hd, _, err := message.ParseHeader(h.in[:n])
				if err != nil || hd.Type == message.TypeAck || hd.Type == message.TypeWelcome {
					continue
				}
				ack := message.Ack{AckedSeq: hd.Seq}
				k, _ := ack.Encode(h.buf, 1)
				if err := p.WriteTo(h.buf[:k], h.to); err != nil {
					panic(err)
				}
				answered = true
			}
		}
		if !answered {
			return
		}
	}
}

// data has the first peer seal and send the next Data datagram of origin
// 999.
func (h *sealedHotPath) data() {
	h.seq++
	d := message.Data{Origin: 999, OriginSeq: h.seq, Payload: []byte("steady-state payload of 32 bytes")}
	n, _ := d.Encode(h.buf, h.seq)
	if err := h.peers[0].WriteTo(h.buf[:n], h.to); err != nil {
		panic(err)
	}
}

// TestSealedHotPathDoesNotAllocate extends the allocation contract to keys:
// a sealed Data datagram received, opened, decoded, acknowledged (sealed),
// logged, delivered and forwarded to three members (sealed), and the three
// sealed Acks for those forwards opened, all without a heap allocation
// once warm. The peers' sealing and opening are inside the measured
// function too.
func TestSealedHotPathDoesNotAllocate(t *testing.T) {
	h := newSealedHotPath(t)
	for range 200 {
		h.data()
		h.turn()
	}
	if a := testing.AllocsPerRun(500, func() {
		h.data()
		h.turn()
	}); a != 0 {
		t.Fatalf("%v allocations per sealed Data datagram, want 0", a)
	}
	st := h.svc.Stats()
	sd := st.Sealing
	if st.DataForwarded < 700 || st.Evicted != 0 || st.Expired != 0 || sd.Opened != st.DatagramsIn || sd.Sealed != st.DatagramsOut ||
		sd.NoKey+sd.Malformed+sd.Oversize+sd.Replayed+sd.PlaintextRefused+sd.SenderMismatch != 0 {
		t.Fatalf("not the steady state meant: %+v", st)
	}
}

// BenchmarkSealedDataDatagram is BenchmarkDataDatagram with keys: one
// sealed Data datagram through the service (open, decode, Ack, log,
// deliver, forward to three members, each datagram sealed) and the three
// sealed Acks that come back. It includes the peers' side: sealing the
// Data and the Acks, opening the forwards.
func BenchmarkSealedDataDatagram(b *testing.B) {
	h := newSealedHotPath(b)
	for range 200 {
		h.data()
		h.turn()
	}
	b.ReportAllocs()
	for b.Loop() {
		h.data()
		h.turn()
	}
}
