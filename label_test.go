package gossip_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
)

// TestTwoClustersOnOneNetworkStayApart: two clusters share a network
// (here one simulated network), and nodes of one are pointed at the
// other (a node given the other cluster's seed, a node of each sending to
// the other's addresses). With different labels nothing crosses: the
// misdirected Hellos and Data are dropped and counted as another
// cluster's, the member tables stay apart, no payload is delivered across,
// and each cluster still works. Plaintext, sealed under one shared key
// (the label is in the authenticated data), and sealed while accepting
// plaintext; and an unlabelled node against a labelled cluster.
func TestTwoClustersOnOneNetworkStayApart(t *testing.T) {
	k := testKey("shared")
	for _, tc := range []struct {
		name   string
		tweak  func(*gossip.Config)
		la, lb string
		drop   func(gossip.Stats) uint64
	}{
		{"plaintext", func(*gossip.Config) {}, "alpha", "beta",
			func(s gossip.Stats) uint64 { return s.Dropped.Label }},
		{"plaintext, unlabelled against labelled", func(*gossip.Config) {}, "alpha", "",
			func(s gossip.Stats) uint64 { return s.Dropped.Label }},
		{"sealed under one key", func(c *gossip.Config) { c.Keys = [][]byte{k} }, "alpha", "beta",
			func(s gossip.Stats) uint64 { return s.Sealing.NoKey }},
		{"sealed, accepting plaintext", func(c *gossip.Config) { c.Keys, c.AcceptPlaintext = [][]byte{k}, true }, "alpha", "beta",
			func(s gossip.Stats) uint64 { return s.Sealing.NoKey + s.Sealing.Label }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, nil)
			start := func(l string, n int) []*tnode {
				c.tweak = func(cfg *gossip.Config) { tc.tweak(cfg); cfg.Label = l }
				var nodes []*tnode
				for i := range n {
					nd := c.add()
					var err error
					if i == 0 {
						err = nd.svc.Join()
					} else {
						err = nd.svc.Join(nodes[0].svc.Addr())
					}
					if err != nil {
						t.Fatal(err)
					}
					nodes = append(nodes, nd)
				}
				c.run(2 * time.Second)
				return nodes
			}
			a, b := start(tc.la, 3), start(tc.lb, 3)
			// A node of each cluster, misconfigured with the other's seed.
			c.tweak = func(cfg *gossip.Config) { tc.tweak(cfg); cfg.Label = tc.lb }
			lost := c.add()
			if err := lost.svc.Join(a[0].svc.Addr()); err != nil {
				t.Fatal(err)
			}
			// And every node of each sends to the other's addresses: the
			// harshest mix-up, a datagram of one cluster at every node of
			// the other.
			for _, n := range append(append([]*tnode{}, a...), b...) {
				if err := n.svc.SendData(fmt.Appendf(nil, "from %v", n.svc.ID())); err != nil {
					t.Fatal(err)
				}
			}
			cross := 0
			prev := c.net.Filter
			c.net.Filter = func(from, to netip.AddrPort, p []byte) bool {
				for i := range a {
					if from == addrOf(a[i]) {
						b[i%len(b)].ep.Inject(from, p)
						cross++
					}
					if from == addrOf(b[i]) {
						a[i%len(a)].ep.Inject(from, p)
						cross++
					}
				}
				return prev != nil && prev(from, to, p)
			}
			c.run(3 * time.Second)
			c.net.Filter = prev
			if lost.svc.State() != gossip.Disconnected {
				t.Errorf("the node given the other cluster's seed is %v", lost.svc.State())
			}
			for _, side := range []struct {
				us, them []*tnode
			}{{a, b}, {b, a}} {
				for i, n := range side.us {
					for _, o := range side.them {
						if c.members(n)[o.svc.ID()] {
							t.Fatalf("node %d lists a node of the other cluster", i)
						}
						for k := range n.got {
							if k[:16] == o.svc.ID().String() {
								t.Fatalf("node %d got a payload of the other cluster: %s", i, k)
							}
						}
					}
					if len(c.members(n)) != len(side.us)-1 || len(n.got) != len(side.us)-1 {
						t.Fatalf("node %d: %d members, %d payloads; want its own cluster's", i, len(c.members(n)), len(n.got))
					}
				}
			}
			var dropped uint64
			for _, n := range append(append([]*tnode{}, a...), b...) {
				dropped += tc.drop(n.svc.Stats())
			}
			if dropped == 0 || cross == 0 {
				t.Fatalf("%d datagrams crossed, %d counted as another cluster's", cross, dropped)
			}
			t.Logf("%d datagrams crossed between the clusters; %d dropped as another cluster's", cross, dropped)
			// Each cluster still works, on its own.
			for _, side := range []struct{ us, them []*tnode }{{a, b}, {b, a}} {
				from := side.us[1]
				if err := from.svc.SendData([]byte("after the mix-up")); err != nil {
					t.Fatal(err)
				}
				k := key(from.svc.ID(), uint32(from.svc.Stats().DataOriginated))
				c.run(3 * time.Second)
				for _, n := range side.us {
					if n != from && n.got[k] != 1 {
						t.Fatalf("a node of the sender's cluster got the payload %d times", n.got[k])
					}
				}
				for _, n := range side.them {
					if n.got[k] != 0 {
						t.Fatal("a node of the other cluster got the payload")
					}
				}
			}
		})
	}
}
