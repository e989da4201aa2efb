package gossip_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// cluster drives services over an in-memory network on a manual clock:
// no sockets, no sleeps, the same run every time.
type cluster struct {
	t     testing.TB
	net   *memnet.Network
	clock *memnet.Clock
	nodes []*tnode
	seed  uint64
	tweak func(*gossip.Config)
	peers []func() // scripted peers, each reading and answering what it was sent
}

type tnode struct {
	svc    *gossip.GossipService
	ep     *memnet.Endpoint
	got    map[string]int // "origin/seq" -> deliveries
	events []gossip.MemberEvent
	down   bool // crashed: not driven any more
}

func testConfig() gossip.Config {
	cfg := gossip.DefaultConfig()
	cfg.TickInterval = 100 * time.Millisecond
	cfg.RetryInterval = 200 * time.Millisecond
	cfg.GapTimeout = time.Second
	return cfg
}

func newCluster(t testing.TB, tweak func(*gossip.Config)) *cluster {
	return &cluster{t: t, net: memnet.New(), clock: memnet.NewClock(), seed: 1, tweak: tweak}
}

func (c *cluster) add() *tnode {
	c.t.Helper()
	port := uint16(7000 + len(c.nodes))
	tn := &tnode{got: map[string]int{}, ep: c.net.Listen(memnet.Addr(port))}
	cfg := testConfig()
	if c.tweak != nil {
		c.tweak(&cfg)
	}
	cfg.Transport = tn.ep
	cfg.Clock = c.clock
	c.seed++
	cfg.Rand = rand.New(rand.NewPCG(c.seed, 42))
	cfg.OnData = func(origin gossip.NodeID, seq uint32, p []byte) {
		tn.got[fmt.Sprintf("%v/%d", origin, seq)]++
	}
	cfg.OnMember = func(ev gossip.MemberEvent) { tn.events = append(tn.events, ev) }
	svc, err := gossip.New(cfg)
	if err != nil {
		c.t.Fatalf("New: %v", err)
	}
	tn.svc = svc
	c.nodes = append(c.nodes, tn)
	return tn
}

func maddr(a netip.AddrPort) multiaddr.Multiaddr {
	return multiaddr.StringCast(fmt.Sprintf("/ip4/%s/udp/%d", a.Addr(), a.Port()))
}

// pump lets every live node receive and send until the network is quiet.
func (c *cluster) pump() {
	for range 10000 {
		for _, n := range c.nodes {
			if n.down {
				continue
			}
			if _, err := n.svc.Send(); err != nil {
				c.t.Fatalf("Send: %v", err)
			}
		}
		if c.net.Pending() == 0 {
			return
		}
		for _, n := range c.nodes {
			if n.down {
				continue
			}
			if _, err := n.svc.Receive(); err != nil {
				c.t.Fatalf("Receive: %v", err)
			}
		}
		for _, p := range c.peers {
			p()
		}
	}
	c.t.Fatal("network never went quiet")
}

// run drives the cluster for d of virtual time, jumping from one due
// timer to the next as a caller's poll loop would sleep.
func (c *cluster) run(d time.Duration) {
	end := c.clock.T.Add(d)
	for {
		c.pump()
		wait := time.Hour
		for _, n := range c.nodes {
			if !n.down && n.svc.State() != gossip.Destroyed {
				wait = min(wait, n.svc.Tick())
			}
		}
		c.pump()
		if wait <= 0 {
			wait = time.Millisecond
		}
		if c.clock.T.Add(wait).After(end) {
			c.clock.T = end
			return
		}
		c.clock.Advance(wait)
	}
}

func (c *cluster) members(n *tnode) map[gossip.NodeID]bool {
	m := map[gossip.NodeID]bool{}
	for _, mb := range n.svc.Members() {
		m[mb.ID] = true
	}
	return m
}

// startCluster makes n nodes and joins nodes 1..n-1 through node 0.
func startCluster(t testing.TB, n int, tweak func(*gossip.Config)) *cluster {
	c := newCluster(t, tweak)
	c.start(n)
	return c
}

// start adds n nodes, joins nodes 1..n-1 through the first of them, and
// runs the cluster for 2 s of virtual time.
func (c *cluster) start(n int) {
	c.t.Helper()
	seed := c.add()
	if err := seed.svc.Join(); err != nil {
		c.t.Fatal(err)
	}
	for range n - 1 {
		nd := c.add()
		if err := nd.svc.Join(seed.svc.Addr()); err != nil {
			c.t.Fatal(err)
		}
	}
	c.run(2 * time.Second)
}

func TestFiveNodesJoinAndKnowEachOther(t *testing.T) {
	c := startCluster(t, 5, nil)
	for i, n := range c.nodes {
		if n.svc.State() != gossip.Connected {
			t.Fatalf("node %d is %v", i, n.svc.State())
		}
		m := c.members(n)
		if len(m) != 4 {
			t.Fatalf("node %d knows %d members, want 4", i, len(m))
		}
		for j, o := range c.nodes {
			if i != j && !m[o.svc.ID()] {
				t.Fatalf("node %d does not know node %d", i, j)
			}
		}
	}
}

func TestEveryPayloadReachesEveryOtherNodeExactlyOnce(t *testing.T) {
	c := startCluster(t, 5, nil)
	for i, n := range c.nodes {
		if err := n.svc.SendData([]byte(fmt.Sprintf("hello from %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.run(3 * time.Second)
	for i, n := range c.nodes {
		if len(n.got) != 4 {
			t.Fatalf("node %d got %d payloads, want 4: %v", i, len(n.got), n.got)
		}
		for k, times := range n.got {
			if times != 1 {
				t.Fatalf("node %d got %s %d times", i, k, times)
			}
		}
		if _, own := n.got[fmt.Sprintf("%v/1", n.svc.ID())]; own {
			t.Fatalf("node %d was handed its own payload", i)
		}
	}
}

func TestSilentNodeIsRemovedWhenItsEnvelopesRunOut(t *testing.T) {
	c := startCluster(t, 5, nil)
	dead := c.nodes[3]
	dead.down = true
	dead.ep.Close()
	// Every member is probed within 4 rounds (round-robin), and a probe
	// gives up after RetryAttempts × RetryInterval: 0.4 s + 0.6 s, plus
	// one round of slack for the random phase.
	c.run(1100 * time.Millisecond)
	for i, n := range c.nodes {
		if n.down {
			continue
		}
		if c.members(n)[dead.svc.ID()] {
			t.Fatalf("node %d still lists the silent node", i)
		}
		if len(c.members(n)) != 3 {
			t.Fatalf("node %d knows %d members, want 3", i, len(c.members(n)))
		}
		last := n.events[len(n.events)-1]
		if last.Kind != gossip.MemberFailed || last.Member.ID != dead.svc.ID() {
			t.Fatalf("node %d last event %+v, want failed %v", i, last, dead.svc.ID())
		}
	}
}

func TestLeavingNodeIsRemovedAtOnce(t *testing.T) {
	c := startCluster(t, 5, nil)
	gone := c.nodes[2]
	if err := gone.svc.Leave(); err != nil {
		t.Fatal(err)
	}
	c.pump() // no time passes
	if gone.svc.State() != gossip.Disconnected {
		t.Fatalf("leaver is %v", gone.svc.State())
	}
	for i, n := range c.nodes {
		if n == gone {
			continue
		}
		if c.members(n)[gone.svc.ID()] {
			t.Fatalf("node %d still lists the node that left", i)
		}
	}
}

func TestHelloToSilentSeedIsRetriedThenJoinFails(t *testing.T) {
	c := newCluster(t, nil)
	n := c.add()
	silent := memnet.Addr(9999)
	var hellos, joins int
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		if to == silent && message.Type(b[1]) == message.TypeHello {
			hellos++
		}
		if to == silent && message.Type(b[1]) == message.TypeJoin {
			joins++
		}
		return false
	}
	if err := n.svc.Join(maddr(silent)); err != nil {
		t.Fatal(err)
	}
	c.run(2 * time.Second)
	if hellos != 3 || joins != 3 {
		t.Fatalf("seed got %d Hellos and %d Joins, want RetryAttempts = 3 of each", hellos, joins)
	}
	if n.svc.State() != gossip.Disconnected {
		t.Fatalf("state %v, want DISCONNECTED", n.svc.State())
	}
	if err := n.svc.Err(); err != gossip.ErrJoinFailed {
		t.Fatalf("Err() = %v, want ErrJoinFailed", err)
	}
}
