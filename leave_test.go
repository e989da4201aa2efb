package gossip_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/message"
)

// turn drives every node once as its loop would (Tick, then Receive
// and Send until the network is quiet) and returns the earliest wait
// any node asked for.
func (c *cluster) turn() time.Duration {
	wait := time.Hour
	for _, n := range c.nodes {
		if !n.down && n.svc.State() != gossip.Destroyed {
			wait = min(wait, n.svc.Tick())
		}
	}
	c.pump()
	return max(wait, time.Millisecond)
}

// The documented goodbye, Leave, drive the loop until Leaving() is 0,
// Close, over a network that loses 30% of the leaver's datagrams: each
// Leave is retried every ProbeTimeout until acknowledged, so every member
// hears it unless all RetryAttempts of its Leaves are lost, and the loop
// ends within RetryAttempts × ProbeTimeout either way.
func TestLeaveUnderLossReachesEveryMemberWithinRetryAttemptsProbeTimeouts(t *testing.T) {
	const probeTimeout = 50 * time.Millisecond
	retried, everyone := 0, 0
	for seed := range uint64(20) {
		c := startCluster(t, 5, func(cfg *gossip.Config) { cfg.ProbeTimeout = probeTimeout })
		cfg := c.cfgOf()
		gone := c.nodes[2]
		rng := rand.New(rand.NewPCG(seed, 30))
		sent := map[netip.AddrPort]int{}      // Leaves to each member
		delivered := map[netip.AddrPort]int{} // of them, not lost
		c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
			if from != addrOf(gone) {
				return false
			}
			lost := rng.Float64() < 0.3
			if message.Type(b[1]) == message.TypeLeave {
				sent[to]++
				if !lost {
					delivered[to]++
				}
			}
			return lost
		}
		start := c.clock.T
		if err := gone.svc.Leave(); err != nil {
			t.Fatal(err)
		}
		// Leaving is read after each turn, as the runner does, before the
		// wait.
		limit := time.Duration(cfg.RetryAttempts) * probeTimeout
		for wait := c.turn(); gone.svc.Leaving() > 0; wait = c.turn() {
			c.clock.Advance(wait)
			if c.clock.T.Sub(start) > limit {
				t.Fatalf("seed %d: Leaving() = %d after %v, want 0 within RetryAttempts × ProbeTimeout = %v",
					seed, gone.svc.Leaving(), c.clock.T.Sub(start), limit)
			}
		}
		if err := gone.svc.Close(); err != nil {
			t.Fatalf("seed %d: Close: %v", seed, err)
		}
		gone.down = true
		all := true
		for i, n := range c.nodes {
			if n == gone {
				continue
			}
			a := addrOf(n)
			if sent[a] < 1 || sent[a] > cfg.RetryAttempts {
				t.Fatalf("seed %d: node %d was sent %d Leaves, want 1..%d", seed, i, sent[a], cfg.RetryAttempts)
			}
			if sent[a] > 1 {
				retried++
			}
			if delivered[a] == 0 {
				// Every attempt lost: nothing a sender can do. The
				// member's detector takes over.
				all = false
				continue
			}
			if delivered[a] > 1 {
				t.Fatalf("seed %d: node %d got %d Leaves: one acknowledged Leave is enough", seed, i, delivered[a])
			}
			if c.members(n)[gone.svc.ID()] {
				t.Fatalf("seed %d: node %d got the Leave and still lists the leaver", seed, i)
			}
			if last := n.events[len(n.events)-1]; last.Kind != gossip.MemberLeft || last.Member.ID != gone.svc.ID() {
				t.Fatalf("seed %d: node %d last event %+v, want left %v", seed, i, last, gone.svc.ID())
			}
		}
		if all {
			everyone++
		}
	}
	if retried == 0 {
		t.Fatal("no Leave was ever retried: the loss never hit a Leave")
	}
	if everyone < 15 {
		t.Fatalf("the Leave reached every member in %d runs of 20, want nearly all", everyone)
	}
	t.Logf("%d members got a retried Leave; every member heard the Leave in %d of 20 runs", retried, everyone)
}
