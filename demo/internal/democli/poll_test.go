package democli

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/udp"
)

// TestWaiterWithoutPoll: a service on the portable transport (no
// descriptor, what Windows gets) is waited on through its Wait, which a
// datagram ends long before the timeout.
func TestWaiterWithoutPoll(t *testing.T) {
	conn, err := udp.ListenNet(netip.MustParseAddrPort("127.0.0.1:0"), udp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := gossip.DefaultConfig()
	cfg.Transport = conn
	a, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Join(); err != nil {
		t.Fatal(err)
	}
	if err := b.Join(a.Addr()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Send(); err != nil { // the Hello
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- NewWaiter(a).Wait(time.Hour) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return for the Hello")
	}
	if n, err := a.Receive(); n != 1 || err != nil {
		t.Fatalf("Receive = %d, %v; want the Hello", n, err)
	}
}
