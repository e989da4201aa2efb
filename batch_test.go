package gossip_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// gathering is a transport that batches as the Linux UDP transport does:
// WriteTo only gathers, Flush sends, and reads can be held back to stand
// for datagrams read ahead. flushErr, if set, is what the next Flush
// returns (after sending everything, or, for ErrWouldBlock, nothing).
type gathering struct {
	*memnet.Endpoint
	gathered []gathered
	flushes  int
	flushErr error
	holding  bool // Buffered reports read-ahead datagrams
}

type gathered struct {
	b  []byte
	to netip.AddrPort
}

func (g *gathering) WriteTo(b []byte, to netip.AddrPort) error {
	g.gathered = append(g.gathered, gathered{append([]byte(nil), b...), to})
	return nil
}

func (g *gathering) Flush() error {
	g.flushes++
	err := g.flushErr
	g.flushErr = nil
	if errors.Is(err, transport.ErrWouldBlock) {
		return err
	}
	for _, d := range g.gathered {
		_ = g.Endpoint.WriteTo(d.b, d.to)
	}
	g.gathered = g.gathered[:0]
	return err
}

func (g *gathering) Buffered() bool { return g.holding || len(g.gathered) > 0 }

// newGathering starts a one-node cluster on a gathering transport, with
// a silent peer at 7001 that its Hello makes a member.
func newGathering(t *testing.T, keys [][]byte) (*gossip.GossipService, *gathering, *memnet.Endpoint) {
	t.Helper()
	net := memnet.New()
	g := &gathering{Endpoint: net.Listen(memnet.Addr(7000))}
	peer := net.Listen(memnet.Addr(7001))
	cfg := gossip.DefaultConfig()
	cfg.Transport, cfg.Clock, cfg.Keys = g, memnet.NewClock(), keys
	if keys != nil {
		cfg.AcceptPlaintext = true // the peer below greets in plaintext
	}
	svc, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Join(); err != nil {
		t.Fatal(err)
	}
	return svc, g, peer
}

func TestSendFlushesWhatTheTransportGathered(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys [][]byte
	}{{"plain", nil}, {"sealed", [][]byte{make([]byte, 16)}}} {
		t.Run(tc.name, func(t *testing.T) {
			svc, g, peer := newGathering(t, tc.keys)
			if err := svc.SendData([]byte("payload")); err != nil {
				t.Fatal(err)
			}
			// No members yet: nothing to send, but Send still ends with a
			// Flush (through the sealing layer too).
			if _, err := svc.Send(); err != nil {
				t.Fatal(err)
			}
			if g.flushes != 1 {
				t.Fatalf("Flush called %d times by one Send; want 1", g.flushes)
			}
			greet(t, g, peer)
			if _, err := svc.Receive(); err != nil {
				t.Fatal(err)
			}
			n, err := svc.Send()
			if err != nil || n == 0 {
				t.Fatalf("Send = %d, %v; want datagrams to the new member", n, err)
			}
			if len(g.gathered) != 0 || g.flushes != 2 {
				t.Fatalf("after Send: %d still gathered, %d flushes; want 0, 2", len(g.gathered), g.flushes)
			}
			if _, _, err := peer.ReadFrom(make([]byte, 600)); err != nil {
				t.Fatalf("peer read after Send: %v; want the flushed datagrams", err)
			}
		})
	}
}

// greet makes peer a member of g's service: it sends a Hello and has the
// service handle it.
func greet(t *testing.T, g *gathering, peer *memnet.Endpoint) {
	t.Helper()
	hello := helloFrom(t, 42, peer.LocalAddr())
	if err := peer.WriteTo(hello, g.LocalAddr()); err != nil {
		t.Fatal(err)
	}
}

// prove has peer acknowledge the challenge the service sent it (the
// empty MemberList that asks a member on its own word to show it
// receives), so that data to it is no longer held back.
func prove(t *testing.T, svc *gossip.GossipService, g *gathering, peer *memnet.Endpoint) {
	t.Helper()
	b := make([]byte, 600)
	for {
		n, _, err := peer.ReadFrom(b)
		if err != nil {
			t.Fatal("no challenge reached the peer")
		}
		if h, _, err := message.ParseHeader(b[:n]); err == nil && h.Type == message.TypeMemberList {
			ack := message.Ack{AckedSeq: h.Seq}
			out := make([]byte, message.HeaderSize+4)
			if _, err := ack.Encode(out, 1); err != nil {
				t.Fatal(err)
			}
			if err := peer.WriteTo(out, g.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Receive(); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
}

func TestFlushErrorsAreSendErrors(t *testing.T) {
	svc, g, peer := newGathering(t, nil)
	greet(t, g, peer)
	if _, err := svc.Receive(); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	g.flushErr = refused
	if _, err := svc.Send(); !errors.Is(err, refused) {
		t.Fatalf("Send: %v; want the Flush error", err)
	}
	if got := svc.Stats().SendErrors; got != 1 {
		t.Fatalf("SendErrors = %d; want 1", got)
	}
	prove(t, svc, g, peer)

	// A socket that is full is not an error: the datagrams stay with the
	// transport, and Tick says to come back at once.
	if err := svc.SendData([]byte("more")); err != nil {
		t.Fatal(err)
	}
	g.flushErr = transport.ErrWouldBlock
	if _, err := svc.Send(); err != nil {
		t.Fatalf("Send with a full socket: %v; want nil", err)
	}
	if got := svc.Stats().SendErrors; got != 1 {
		t.Fatalf("SendErrors = %d after ErrWouldBlock; want still 1", got)
	}
	if w := svc.Tick(); w != 0 {
		t.Fatalf("Tick = %v with datagrams left unsent; want 0", w)
	}
	if _, err := svc.Send(); err != nil || len(g.gathered) != 0 {
		t.Fatalf("next Send: %v, %d left; want all sent", err, len(g.gathered))
	}
}

func TestTickIsZeroWhileTheTransportHoldsDatagrams(t *testing.T) {
	svc, g, _ := newGathering(t, [][]byte{make([]byte, 16)})
	if w := svc.Tick(); w == 0 {
		t.Fatal("Tick = 0 on an idle node")
	}
	g.holding = true
	if w := svc.Tick(); w != 0 {
		t.Fatalf("Tick = %v with datagrams read ahead; want 0", w)
	}
	g.holding = false
	if w := svc.Tick(); w == 0 {
		t.Fatal("Tick = 0 once the transport holds nothing")
	}
}

// helloFrom encodes a Hello of member id at addr.
func helloFrom(t *testing.T, id uint64, addr netip.AddrPort) []byte {
	t.Helper()
	buf := make([]byte, 128)
	h := message.Hello{Member: message.Member{ID: id, Addr: addr}}
	n, err := h.Encode(buf, 1)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}
