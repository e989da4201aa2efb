package runner_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// testConfig is a loopback node with fast rounds and retries. A member is
// declared failed after 3 × 500 ms without an Ack, well beyond any stall
// of a loop under the race detector.
func testConfig() gossip.Config {
	cfg := gossip.DefaultConfig()
	cfg.TickInterval = 100 * time.Millisecond
	cfg.RetryInterval = 500 * time.Millisecond
	return cfg
}

// eventually waits until cond holds, checking every few milliseconds, and
// fails the test if it does not within the deadline.
func eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			tb.Fatalf("%s: not within %v", what, within)
		case <-tick.C:
		}
	}
}

// within waits for ch to be closed or to yield, and fails the test if it
// does not within the deadline.
func within[T any](tb testing.TB, d time.Duration, what string, ch <-chan T) T {
	tb.Helper()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v := <-ch:
		return v
	case <-t.C:
		tb.Fatalf("%s: not within %v", what, d)
		panic("unreachable")
	}
}

// cluster is n runners on loopback, each running on a goroutine of its
// own: the first starts the cluster, the others join through it.
type cluster struct {
	runners []*runner.Runner
	cancel  context.CancelFunc
	errs    []chan error // each Run's result
}

// startCluster creates and runs n runners with testConfig and opts;
// tweak, if set, adjusts each one's Config and Options first. The cluster
// is stopped at the end of the test if it is still running.
func startCluster(tb testing.TB, n int, opts runner.Options, tweak func(i int, cfg *gossip.Config, o *runner.Options)) *cluster {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &cluster{cancel: cancel}
	for i := range n {
		cfg, o := testConfig(), opts
		if i > 0 {
			o.Seeds = []multiaddr.Multiaddr{c.runners[0].Addr()}
		}
		if tweak != nil {
			tweak(i, &cfg, &o)
		}
		r, err := runner.New(cfg, o)
		if err != nil {
			cancel()
			tb.Fatalf("runner %d: %v", i, err)
		}
		c.runners = append(c.runners, r)
		errc := make(chan error, 1)
		c.errs = append(c.errs, errc)
		go func() { errc <- r.Run(ctx) }()
	}
	tb.Cleanup(func() {
		cancel()
		for _, r := range c.runners {
			<-r.Done()
		}
	})
	return c
}

// converged waits until every runner knows every other.
func (c *cluster) converged(tb testing.TB) {
	tb.Helper()
	eventually(tb, 10*time.Second, "membership", func() bool {
		for _, r := range c.runners {
			if r.State() != gossip.Connected || len(r.Members()) != len(c.runners)-1 {
				return false
			}
		}
		return true
	})
}

// stop cancels the cluster's context and returns each Run's result.
func (c *cluster) stop(tb testing.TB) []error {
	tb.Helper()
	c.cancel()
	errs := make([]error, len(c.runners))
	for i, errc := range c.errs {
		errs[i] = within(tb, 5*time.Second, fmt.Sprintf("Run %d to return", i), errc)
	}
	return errs
}

// silentSeed is a bound UDP socket that is never read: a seed that never
// answers.
func silentSeed(tb testing.TB) multiaddr.Multiaddr {
	tb.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return multiaddr.StringCast(fmt.Sprintf("/ip4/127.0.0.1/udp/%d", conn.LocalAddr().(*net.UDPAddr).Port))
}
