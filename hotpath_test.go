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

// hotPath is one service with four scripted peers on an in-memory
// network. The peers acknowledge whatever asks for an Ack, so the
// service reaches a steady state in which nothing expires or is evicted.
// With a key, the service seals, and each peer sits behind a seal.Transport
// of its own under the same key, so it seals what it sends and opens what
// it reads: the peers' crypto is then inside every measurement too.
// With ext, the peers join with a Join, so the service knows them to
// speak the extensions and passes each Data on as one Data (to its
// successor) and two Copies, which the peers do not acknowledge.
type hotPath struct {
	svc    *gossip.GossipService
	to     netip.AddrPort
	peers  []transport.Transport
	buf    []byte
	in     []byte
	seq    uint32
	acked  int // datagrams the peers acknowledged (Data and the rounds)
	copies int // Copies the peers got
}

func newHotPath(tb testing.TB, key []byte, ext bool) *hotPath {
	net := memnet.New()
	clock := memnet.NewClock()
	cfg := gossip.DefaultConfig()
	ep := net.Listen(memnet.Addr(7000))
	cfg.Transport, cfg.Clock = ep, clock
	if key != nil {
		cfg.Keys = [][]byte{key}
	}
	h := &hotPath{to: ep.LocalAddr(), buf: make([]byte, 600), in: make([]byte, 600)}
	var err error
	if h.svc, err = gossip.New(cfg); err != nil {
		tb.Fatal(err)
	}
	if err := h.svc.Join(); err != nil {
		tb.Fatal(err)
	}
	for i := range 4 {
		id := uint64(100 + i)
		var p transport.Transport = net.Listen(memnet.Addr(uint16(8000 + i)))
		if key != nil {
			ring, err := seal.NewKeyring(key)
			if err != nil {
				tb.Fatal(err)
			}
			p = seal.New(p, ring, id, uint64(clock.Now().UnixNano()), seal.Options{})
		}
		h.peers = append(h.peers, p)
		hello := message.Hello{Member: message.Member{ID: id, Addr: p.LocalAddr()}}
		n, _ := hello.Encode(h.buf, 1)
		if ext {
			join := message.Join{Record: message.Record{ID: id, Inc: 1, Addr: p.LocalAddr()}}
			n, _ = join.Encode(h.buf, 1)
		}
		h.send(p, h.buf[:n])
	}
	h.turn()
	if h.svc.NumMembers() != 4 {
		tb.Fatalf("setup: %d members", h.svc.NumMembers())
	}
	for range 200 { // warm up: every buffer and table at its working size
		h.data()
		h.turn()
	}
	return h
}

func (h *hotPath) send(p transport.Transport, b []byte) {
	if err := p.WriteTo(b, h.to); err != nil {
		panic(err)
	}
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
				if err == transport.ErrWouldBlock {
					break
				}
				if err != nil {
					panic(err)
				}
				hd, _, err := message.ParseHeader(h.in[:n])
				if err == nil && hd.Type == message.TypeCopy {
					h.copies++
				}
				if err != nil || hd.Type == message.TypeAck || hd.Type == message.TypeWelcome || hd.Type == message.TypeCopy {
					continue
				}
				ack := message.Ack{AckedSeq: hd.Seq}
				k, _ := ack.Encode(h.buf, 1)
				h.send(p, h.buf[:k])
				h.acked++
				answered = true
			}
		}
		if !answered {
			return
		}
	}
}

// data has the first peer send the next Data datagram of origin 999.
func (h *hotPath) data() {
	h.seq++
	d := message.Data{Origin: 999, OriginSeq: h.seq, Payload: []byte("steady-state payload of 32 bytes")}
	n, _ := d.Encode(h.buf, h.seq)
	h.send(h.peers[0], h.buf[:n])
}

// TestReceiveHandleForwardDoesNotAllocate is the allocation contract: a
// Data datagram received, decoded, acknowledged, logged, delivered and
// forwarded to three members, and the Acks for those forwards, all
// without a heap allocation once warm.
// With peers that speak the extensions, the forward is one Data and two
// Copies, and one Ack comes back.
func TestReceiveHandleForwardDoesNotAllocate(t *testing.T) {
	for _, ext := range []bool{false, true} {
		h := newHotPath(t, nil, ext)
		copies, acked := h.copies, h.acked
		if a := testing.AllocsPerRun(500, func() {
			h.data()
			h.turn()
		}); a != 0 {
			t.Fatalf("ext %v: %v allocations per Data datagram, want 0", ext, a)
		}
		st := h.svc.Stats()
		if st.DataForwarded < 700 || st.Evicted != 0 || st.Expired != 0 {
			t.Fatalf("ext %v: not the steady state meant: %+v", ext, st)
		}
		// 500 Data passed on to three peers: as three Data, or as one
		// Data and two Copies.
		perData := float64(h.acked-acked) / 500
		if ext && (h.copies-copies < 1000 || perData > 1.1) || !ext && (h.copies != 0 || perData < 3) {
			t.Fatalf("ext %v: %d Copies, %.2f acknowledged datagrams per Data", ext, h.copies-copies, perData)
		}
	}
}

// BenchmarkDataDatagram measures one Data datagram through the service:
// receive, decode, Ack, log, deliver, forward to three members, and the
// three Acks that come back.
func BenchmarkDataDatagram(b *testing.B) {
	h := newHotPath(b, nil, false)
	b.ReportAllocs()
	for b.Loop() {
		h.data()
		h.turn()
	}
}

// BenchmarkDataDatagramCopies is BenchmarkDataDatagram among peers that
// speak the extensions: the forward is one Data and two Copies, and one
// Ack comes back.
func BenchmarkDataDatagramCopies(b *testing.B) {
	h := newHotPath(b, nil, true)
	b.ReportAllocs()
	for b.Loop() {
		h.data()
		h.turn()
	}
}
