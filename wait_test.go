package gossip_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/transport"
)

func TestWaitNeedsAWaitingTransport(t *testing.T) {
	s := newMemService(t)
	if err := s.Wait(time.Hour); !errors.Is(err, transport.ErrCannotWait) {
		t.Fatalf("Wait on an in-memory transport: %v; want ErrCannotWait", err)
	}
	s.Wake() // nothing to wake: a no-op
	s.Close()
	if err := s.Wait(time.Hour); !errors.Is(err, gossip.ErrClosed) {
		t.Fatalf("Wait after Close: %v; want ErrClosed", err)
	}
}

// TestPortableTransportLoop runs two services on the portable transport
// (what Windows gets by default) with the loop that has no poll: Tick,
// Wait, Receive, Send. A payload crosses, with and without sealing.
func TestPortableTransportLoop(t *testing.T) {
	for _, keys := range [][][]byte{nil, {make([]byte, 16)}} {
		var got []string
		svcs := make([]*gossip.GossipService, 2)
		for i := range svcs {
			conn, err := udp.ListenNet(netip.MustParseAddrPort("127.0.0.1:0"), udp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := gossip.DefaultConfig()
			cfg.Transport, cfg.Keys = conn, keys
			cfg.TickInterval = 20 * time.Millisecond
			cfg.OnData = func(_ gossip.NodeID, _ uint32, p []byte) { got = append(got, string(p)) }
			if svcs[i], err = gossip.New(cfg); err != nil {
				t.Fatal(err)
			}
			defer svcs[i].Close()
		}
		if err := svcs[0].Join(); err != nil {
			t.Fatal(err)
		}
		if err := svcs[1].Join(svcs[0].Addr()); err != nil {
			t.Fatal(err)
		}
		sent := false
		deadline := time.Now().Add(10 * time.Second)
		for len(got) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("keys %d: nothing delivered within 10s (states %v %v)", len(keys), svcs[0].State(), svcs[1].State())
			}
			for _, s := range svcs {
				// Two services on one goroutine: each waits briefly in turn.
				if err := s.Wait(min(s.Tick(), time.Millisecond)); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Receive(); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Send(); err != nil {
					t.Fatal(err)
				}
			}
			if !sent && svcs[1].State() == gossip.Connected && svcs[0].NumMembers() == 1 {
				if err := svcs[1].SendData([]byte("over the portable transport")); err != nil {
					t.Fatal(err)
				}
				sent = true
			}
		}
		if got[0] != "over the portable transport" {
			t.Fatalf("delivered %q", got)
		}
	}
}
