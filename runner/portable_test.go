package runner_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/runner"
)

// TestPortableTransportRunner runs a three-node cluster in which one node
// is on the portable transport, the default where there is no poll
// (Windows): its runner sleeps in the service's Wait instead of poll, and
// Publish wakes it with Wake. Payloads cross both ways, and the node
// leaves cleanly.
func TestPortableTransportRunner(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, runner.Options{}, func(i int, cfg *gossip.Config, _ *runner.Options) {
		if i != 1 {
			return
		}
		conn, err := udp.ListenNet(netip.MustParseAddrPort("127.0.0.1:0"), udp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Transport = conn
	})
	c.converged(t)
	portable, other := c.runners[1], c.runners[2]
	if err := portable.Publish([]byte("from the portable node")); err != nil {
		t.Fatal(err)
	}
	if d := within(t, 10*time.Second, "delivery from the portable node", other.Deliveries()); string(d.Payload) != "from the portable node" {
		t.Fatalf("got %q", d.Payload)
	}
	if err := other.Publish([]byte("to the portable node")); err != nil {
		t.Fatal(err)
	}
	if d := within(t, 10*time.Second, "delivery to the portable node", portable.Deliveries()); string(d.Payload) != "to the portable node" {
		t.Fatalf("got %q", d.Payload)
	}
	if st := portable.Stats(); st.Wakeups == 0 {
		t.Fatalf("Stats: %d wake-ups; want Publish and Stats to have woken the loop", st.Wakeups)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := portable.Leave(ctx); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	eventually(t, 10*time.Second, "the others to see it leave", func() bool {
		return len(c.runners[0].Members()) == 1 && len(other.Members()) == 1
	})
}
