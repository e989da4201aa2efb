package gossip_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
)

// fakeDNS is a Resolver over a table of names, counting its calls.
type fakeDNS struct {
	names map[string][]netip.AddrPort // name -> its addresses (the port is ignored: the seed's is used)
	fail  map[string]error
	calls int
}

func (f *fakeDNS) Resolve(_ context.Context, m multiaddr.Multiaddr) ([]multiaddr.Multiaddr, error) {
	f.calls++
	name := m[0].Value()
	if err := f.fail[name]; err != nil {
		return nil, err
	}
	var out []multiaddr.Multiaddr
	for _, a := range f.names[name] {
		port := m[1].Value()
		proto := "/ip4/"
		if a.Addr().Is6() {
			proto = "/ip6/"
		}
		out = append(out, multiaddr.StringCast(proto+a.Addr().String()+"/udp/"+port))
	}
	return out, nil
}

// dnsCluster is a cluster whose nodes resolve names through dns; every
// node listens on 127.0.0.N:7000, so that one name can stand for several
// nodes on the seed port.
func dnsCluster(t *testing.T, dns *fakeDNS) *cluster {
	return newCluster(t, func(cfg *gossip.Config) { cfg.Resolver = dns })
}

// addAt adds a node at a given address of the cluster's network.
func (c *cluster) addAt(a netip.AddrPort) *tnode {
	c.t.Helper()
	tn := &tnode{got: map[string]int{}, ep: c.net.Listen(a)}
	cfg := testConfig()
	if c.tweak != nil {
		c.tweak(&cfg)
	}
	cfg.Transport, cfg.Clock = tn.ep, c.clock
	c.seed++
	cfg.Rand = rand.New(rand.NewPCG(c.seed, 42))
	cfg.OnData = func(origin gossip.NodeID, seq uint32, p []byte) { tn.got[key(origin, seq)]++ }
	cfg.OnMember = func(ev gossip.MemberEvent) { tn.events = append(tn.events, ev) }
	svc, err := gossip.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	tn.svc = svc
	c.nodes = append(c.nodes, tn)
	return tn
}

func ip(n byte) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, n}), 7000)
}

var seedName = multiaddr.StringCast("/dns4/seeds.cluster.test/udp/7000")

// TestJoinThroughANameTriesEveryAddress: a name with two addresses is two
// seeds; a Hello goes to each, and the node joins.
func TestJoinThroughANameTriesEveryAddress(t *testing.T) {
	dns := &fakeDNS{names: map[string][]netip.AddrPort{"seeds.cluster.test": {ip(1), ip(2)}}}
	c := dnsCluster(t, dns)
	s1, s2 := c.addAt(ip(1)), c.addAt(ip(2))
	if err := s1.svc.Join(); err != nil {
		t.Fatal(err)
	}
	if err := s2.svc.Join(s1.svc.Addr()); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)

	hellos := map[netip.AddrPort]int{}
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		if from == ip(3) && b[1] == 9 { // a Join from the newcomer (its Hello follows only if unanswered)
			hellos[to]++
		}
		return false
	}
	n := c.addAt(ip(3))
	if err := n.svc.Join(seedName); err != nil {
		t.Fatalf("Join through a name: %v", err)
	}
	c.run(time.Second)
	if hellos[ip(1)] != 1 || hellos[ip(2)] != 1 {
		t.Errorf("Joins per seed address: %v, want one to each of the name's two", hellos)
	}
	if n.svc.State() != gossip.Connected || n.svc.NumMembers() != 2 {
		t.Errorf("newcomer %v with %d members, want CONNECTED with 2", n.svc.State(), n.svc.NumMembers())
	}
	if got := n.svc.Seeds(); len(got) != 1 || !got[0].Equal(seedName) || !n.svc.HasDNSSeeds() {
		t.Errorf("Seeds() = %v, want the name as given", got)
	}
}

// TestJoinWithANameThatDoesNotResolve: alone, it fails the Join with
// ErrUnresolved and changes nothing; beside a seed that works, it is
// skipped.
func TestJoinWithANameThatDoesNotResolve(t *testing.T) {
	dns := &fakeDNS{fail: map[string]error{"seeds.cluster.test": errors.New("no such host")}}
	c := dnsCluster(t, dns)
	seed := c.addAt(ip(1))
	if err := seed.svc.Join(); err != nil {
		t.Fatal(err)
	}
	n := c.addAt(ip(2))
	err := n.svc.Join(seedName)
	if !errors.Is(err, gossip.ErrUnresolved) || n.svc.State() != gossip.Initialized {
		t.Fatalf("Join through a name that fails: %v in %v, want ErrUnresolved in INITIALIZED", err, n.svc.State())
	}
	dns.fail, dns.names = nil, map[string][]netip.AddrPort{} // resolves, to nothing
	if err := n.svc.Join(seedName); !errors.Is(err, gossip.ErrUnresolved) {
		t.Fatalf("Join through a name without addresses: %v, want ErrUnresolved", err)
	}
	if err := n.svc.Join(seedName, seed.svc.Addr()); err != nil {
		t.Fatalf("Join through a dead name and a live seed: %v", err)
	}
	c.run(time.Second)
	if n.svc.State() != gossip.Connected {
		t.Errorf("state %v, want CONNECTED through the live seed", n.svc.State())
	}
}

// TestJoinThroughANameOfItselfStartsACluster: the first pod behind a
// headless service finds only itself, and starts the cluster; IPv6
// addresses, which its IPv4 socket cannot reach, are left out.
func TestJoinThroughANameOfItselfStartsACluster(t *testing.T) {
	v6 := netip.MustParseAddrPort("[::1]:7000")
	dns := &fakeDNS{names: map[string][]netip.AddrPort{"seeds.cluster.test": {ip(1), v6}}}
	c := dnsCluster(t, dns)
	n := c.addAt(ip(1))
	if err := n.svc.Join(multiaddr.StringCast("/dns/seeds.cluster.test/udp/7000")); err != nil {
		t.Fatal(err)
	}
	if n.svc.State() != gossip.Connected {
		t.Errorf("state %v, want CONNECTED: the name is only this node (and an IPv6 address)", n.svc.State())
	}
}

// TestSetSeedsReconnectsALoneNode: a node whose seed has gone, and that
// knows no one, greets the addresses SetSeeds gives it (a new resolution
// of its seed name) at its next Reconnect, and is back in a cluster; no
// resolution happens inside Tick, Receive or Send.
func TestSetSeedsReconnectsALoneNode(t *testing.T) {
	dns := &fakeDNS{names: map[string][]netip.AddrPort{"seeds.cluster.test": {ip(1)}}}
	c := dnsCluster(t, dns)
	old := c.addAt(ip(1))
	if err := old.svc.Join(); err != nil {
		t.Fatal(err)
	}
	n := c.addAt(ip(2))
	if err := n.svc.Join(seedName); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)
	if n.svc.NumMembers() != 1 {
		t.Fatalf("joined with %d members, want 1", n.svc.NumMembers())
	}
	calls := dns.calls

	old.down = true // the seed's pod is gone; a new one comes up elsewhere
	old.ep.Close()
	c.run(3 * time.Second)
	if n.svc.State() != gossip.Connected || n.svc.NumMembers() != 0 {
		t.Fatalf("after the seed died: %v with %d members, want CONNECTED alone", n.svc.State(), n.svc.NumMembers())
	}
	fresh := c.addAt(ip(3))
	if err := fresh.svc.Join(); err != nil {
		t.Fatal(err)
	}
	c.run(3 * time.Second)
	if n.svc.NumMembers() != 0 {
		t.Fatalf("found %d members without new seeds", n.svc.NumMembers())
	}

	dns.names["seeds.cluster.test"] = []netip.AddrPort{ip(3)}
	addrs, err := gossip.ResolveSeeds(context.Background(), dns, n.svc.Seeds()...) // off the loop, in a real program
	if err != nil {
		t.Fatal(err)
	}
	if err := n.svc.SetSeeds(addrs...); err != nil {
		t.Fatal(err)
	}
	c.run(2 * time.Second) // MemberSyncRounds (8) rounds of 100 ms, and the answer
	if n.svc.NumMembers() != 1 || fresh.svc.NumMembers() != 1 {
		t.Errorf("members after SetSeeds: %d and %d, want the two nodes to know each other", n.svc.NumMembers(), fresh.svc.NumMembers())
	}
	if dns.calls != calls+1 {
		t.Errorf("%d resolutions after the join, want only the one ResolveSeeds made", dns.calls-calls)
	}
	if err := n.svc.SetSeeds(seedName); !errors.Is(err, gossip.ErrNotUDP) {
		t.Errorf("SetSeeds with a name: %v, want ErrNotUDP", err)
	}
}

// TestResolveSeeds: IP seeds pass through, names become all their
// addresses without duplicates, a bad seed is an error, and a name that
// fails is named beside what did resolve.
func TestResolveSeeds(t *testing.T) {
	dns := &fakeDNS{
		names: map[string][]netip.AddrPort{"a.test": {ip(1), ip(2)}, "b.test": {ip(2), ip(3)}},
		fail:  map[string]error{"gone.test": errors.New("no such host")},
	}
	lit := multiaddr.StringCast("/ip4/127.0.0.9/udp/7000")
	got, err := gossip.ResolveSeeds(context.Background(), dns, lit,
		multiaddr.StringCast("/dns4/a.test/udp/7000"), multiaddr.StringCast("/dns/b.test/udp/7000"))
	if err != nil || len(got) != 4 {
		t.Fatalf("ResolveSeeds = %v, %v; want 4 addresses", got, err)
	}
	if !got[0].Equal(lit) {
		t.Errorf("first address %v, want the literal seed first", got[0])
	}
	got, err = gossip.ResolveSeeds(context.Background(), dns, multiaddr.StringCast("/dns4/gone.test/udp/7000"), lit)
	if !errors.Is(err, gossip.ErrUnresolved) || len(got) != 1 {
		t.Errorf("with a failing name: %v, %v; want the literal seed and ErrUnresolved", got, err)
	}
	if _, err := gossip.ResolveSeeds(context.Background(), dns, multiaddr.StringCast("/dns4/a.test/tcp/7000")); !errors.Is(err, gossip.ErrNotUDP) {
		t.Errorf("a TCP name: %v, want ErrNotUDP", err)
	}
	for m, want := range map[string]bool{
		"/dns/x/udp/1": true, "/dns4/x/udp/1": true, "/dns6/x/udp/1": true,
		"/dns4/x/tcp/1": false, "/ip4/1.2.3.4/udp/1": false, "/dnsaddr/x": false,
	} {
		if got := gossip.IsDNSSeed(multiaddr.StringCast(m)); got != want {
			t.Errorf("IsDNSSeed(%s) = %v, want %v", m, got, want)
		}
	}
}

// TestJoinResolvesLocalhost: the default resolver (the system's) turns
// /dns4/localhost into 127.0.0.1, which is how the demos are tried.
func TestJoinResolvesLocalhost(t *testing.T) {
	got, err := gossip.ResolveSeeds(context.Background(), nil, multiaddr.StringCast("/dns4/localhost/udp/8080"))
	if err != nil {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	want := memnet.Addr(8080)
	for _, m := range got {
		if m.String() == "/ip4/"+want.Addr().String()+"/udp/8080" {
			return
		}
	}
	t.Errorf("/dns4/localhost/udp/8080 resolved to %v, want /ip4/127.0.0.1/udp/8080 among them", got)
}
