package runner_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/runner"
)

// switchDNS answers every name with the addresses it is set to, which
// the test changes while the runner runs (the resolution runs on the
// runner's goroutine).
type switchDNS struct {
	mu    sync.Mutex
	addrs []multiaddr.Multiaddr
	calls int
}

func (d *switchDNS) set(a ...multiaddr.Multiaddr) {
	d.mu.Lock()
	d.addrs = a
	d.mu.Unlock()
}

func (d *switchDNS) Resolve(context.Context, multiaddr.Multiaddr) ([]multiaddr.Multiaddr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	return d.addrs, nil
}

// TestAloneRunnerResolvesItsSeedsAgain: a runner that joined through a
// DNS name and lost its only member finds the seed's new address by
// resolving the name again, and rejoins, without anything else calling
// it. Run still leaves no goroutine behind.
func TestAloneRunnerResolvesItsSeedsAgain(t *testing.T) {
	t.Parallel()
	dns := &switchDNS{}
	cfg := testConfig() // MemberSyncRounds 8 × 100 ms: a resolution per 0.8 s when alone
	cfg.Resolver = dns
	first := startCluster(t, 1, runner.Options{}, nil)
	dns.set(first.runners[0].Addr())

	n, err := runner.New(cfg, runner.Options{Seeds: []multiaddr.Multiaddr{multiaddr.StringCast("/dns4/seeds.cluster.test/udp/1")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- n.Run(ctx) }()
	if err := n.WaitReady(ctx); err != nil {
		t.Fatalf("joining through the name: %v", err)
	}
	eventually(t, 5*time.Second, "the seed known", func() bool { return len(n.Members()) == 1 })

	first.stop(t) // the seed leaves: the node is alone at once
	eventually(t, 5*time.Second, "alone", func() bool { return len(n.Members()) == 0 })
	second := startCluster(t, 1, runner.Options{}, nil) // the seed, back at a new address
	dns.set(second.runners[0].Addr())

	eventually(t, 10*time.Second, "back in a cluster through the new address", func() bool {
		return len(n.Members()) == 1 && n.Members()[0].ID == second.runners[0].ID()
	})
	if st := n.Stats(); st.SeedResolutions == 0 || st.SeedResolveErrors != 0 {
		t.Errorf("SeedResolutions %d, SeedResolveErrors %d; want some and none", st.SeedResolutions, st.SeedResolveErrors)
	}
	cancel()
	if err := within(t, 5*time.Second, "Run to return", errc); err != nil {
		t.Errorf("Run: %v", err)
	}
}
