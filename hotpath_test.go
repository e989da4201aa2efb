package gossip_test

import (
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// hotPath is one service with four scripted peers on an in-memory
// network. The peers acknowledge whatever asks for an Ack, so the
// service reaches a steady state in which nothing expires or is evicted.
type hotPath struct {
	svc   *gossip.GossipService
	ep    *memnet.Endpoint
	peers []*memnet.Endpoint
	buf   []byte
	in    []byte
	seq   uint32
}

func newHotPath(tb testing.TB) *hotPath {
	net := memnet.New()
	clock := memnet.NewClock()
	cfg := gossip.DefaultConfig()
	h := &hotPath{ep: net.Listen(memnet.Addr(7000)), buf: make([]byte, 600), in: make([]byte, 600)}
	cfg.Transport, cfg.Clock = h.ep, clock
	var err error
	if h.svc, err = gossip.New(cfg); err != nil {
		tb.Fatal(err)
	}
	if err := h.svc.Join(); err != nil {
		tb.Fatal(err)
	}
	for i := range 4 {
		p := net.Listen(memnet.Addr(uint16(8000 + i)))
		h.peers = append(h.peers, p)
		hello := message.Hello{Member: message.Member{ID: uint64(100 + i), Addr: p.LocalAddr()}}
		n, _ := hello.Encode(h.buf, 1)
		h.ep.Inject(p.LocalAddr(), h.buf[:n])
	}
	h.turn()
	if h.svc.NumMembers() != 4 {
		tb.Fatalf("setup: %d members", h.svc.NumMembers())
	}
	return h
}

// turn runs the service's receive and send, then lets each peer answer.
func (h *hotPath) turn() {
	for {
		h.svc.Receive()
		h.svc.Send()
		answered := false
		for _, p := range h.peers {
			for {
				n, _, err := p.ReadFrom(h.in)
				if err != nil {
					break
				}
				hd, _, err := message.ParseHeader(h.in[:n])
				if err != nil || hd.Type == message.TypeAck || hd.Type == message.TypeWelcome {
					continue
				}
				ack := message.Ack{AckedSeq: hd.Seq}
				k, _ := ack.Encode(h.buf, 1)
				h.ep.Inject(p.LocalAddr(), h.buf[:k])
				answered = true
			}
		}
		if !answered {
			return
		}
	}
}

// data injects the next Data datagram of origin 999 from the first peer.
func (h *hotPath) data(from netip.AddrPort) {
	h.seq++
	d := message.Data{Origin: 999, OriginSeq: h.seq, Payload: []byte("steady-state payload of 32 bytes")}
	n, _ := d.Encode(h.buf, h.seq)
	h.ep.Inject(from, h.buf[:n])
}

// TestReceiveHandleForwardDoesNotAllocate is the allocation contract: a
// Data datagram received, decoded, acknowledged, logged, delivered and
// forwarded to three members, and the Acks for those forwards, all
// without a heap allocation once warm.
func TestReceiveHandleForwardDoesNotAllocate(t *testing.T) {
	h := newHotPath(t)
	from := h.peers[0].LocalAddr()
	for range 200 {
		h.data(from)
		h.turn()
	}
	if a := testing.AllocsPerRun(500, func() {
		h.data(from)
		h.turn()
	}); a != 0 {
		t.Fatalf("%v allocations per Data datagram, want 0", a)
	}
	st := h.svc.Stats()
	if st.DataForwarded < 700 || st.Evicted != 0 || st.Expired != 0 {
		t.Fatalf("not the steady state meant: %+v", st)
	}
}

// BenchmarkDataDatagram measures one Data datagram through the service:
// receive, decode, Ack, log, deliver, forward to three members, and the
// three Acks that come back.
func BenchmarkDataDatagram(b *testing.B) {
	h := newHotPath(b)
	from := h.peers[0].LocalAddr()
	for range 200 {
		h.data(from)
		h.turn()
	}
	b.ReportAllocs()
	for b.Loop() {
		h.data(from)
		h.turn()
	}
}
