package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// Options configure a simulation. The network settings can be changed
// while it runs.
type Options struct {
	// Seed drives every random choice: the network's and the nodes'.
	Seed uint64
	// Latency is every datagram's one-way delay; Jitter adds a uniform
	// random extra in [0, Jitter), which reorders datagrams whose sends
	// are closer together than Jitter.
	Latency, Jitter time.Duration
	// Loss is the probability a datagram is lost; Duplicate, that it is
	// delivered twice (the copy with its own jitter).
	Loss, Duplicate float64
	// Config, when set, adjusts each node's configuration (node index i)
	// after the simulator fills in DefaultConfig with its own transport,
	// clock and random source.
	Config func(i int, cfg *gossip.Config)
	// Keys, when set, are every node's Config.Keys (the first one seals),
	// filled in before Config runs, which may still change them per node.
	// Nil: the nodes send plaintext.
	Keys [][]byte
	// TrackMembers keeps every node's member table as the simulator's own
	// copy, built from the OnMember events (the node's own OnMember, if
	// Config sets one, still runs), and a log of every removal: what
	// Lists, ListedBy, LiveListings and Removals report. It costs the
	// events' delivery, about a fifth more time on the largest runs.
	TrackMembers bool
}

// Sim is one simulated cluster. It is not safe for concurrent use.
type Sim struct {
	opt    Options
	rng    *rand.Rand
	start  time.Time
	now    int64
	events eventQueue
	evSeq  uint64
	nodes  []*Node
	byAddr map[netip.AddrPort]*Node
	group  []int // partition group per node index; nil when healed
	loss   lossTable
	net    NetStats
	pool   [][]byte
	track  tracker
	mem    memberTracker

	timers     []func() // pending timers by index (nil: free)
	freeTimers []int
}

// NetStats counts what the simulated network carried.
type NetStats struct {
	Sent, Delivered, Lost, Duplicated, Bytes uint64
}

// New returns an empty simulation.
func New(opt Options) *Sim {
	s := &Sim{
		opt:    opt,
		rng:    rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		start:  time.Unix(1_700_000_000, 0).UTC(),
		byAddr: make(map[netip.AddrPort]*Node),
	}
	s.track.init()
	s.mem.init(opt.TrackMembers)
	return s
}

// Now returns the virtual time.
func (s *Sim) Now() time.Time { return s.start.Add(time.Duration(s.now)) }

// Elapsed returns the virtual time since the simulation began.
func (s *Sim) Elapsed() time.Duration { return time.Duration(s.now) }

// Nodes returns every node ever created, in creation order, including
// crashed and departed ones.
func (s *Sim) Nodes() []*Node { return s.nodes }

// Node returns node i.
func (s *Sim) Node(i int) *Node { return s.nodes[i] }

// Net returns the network's counters.
func (s *Sim) Net() NetStats { return s.net }

// SetLoss changes the loss probability of every datagram (on top of the
// per-node and per-link losses, see SetNodeLoss and SetLinkLoss).
func (s *Sim) SetLoss(p float64) { s.opt.Loss = p }

// Loss returns the loss probability set with Options.Loss or SetLoss.
func (s *Sim) Loss() float64 { return s.opt.Loss }

// SetLatency changes the latency and jitter.
func (s *Sim) SetLatency(latency, jitter time.Duration) {
	s.opt.Latency, s.opt.Jitter = latency, jitter
}

// SetDuplicate changes the duplication probability.
func (s *Sim) SetDuplicate(p float64) { s.opt.Duplicate = p }

// Partition splits the nodes into any number of groups: datagrams between
// different groups are lost. groups[i] is node i's group; nodes past the
// end of groups are in group 0.
func (s *Sim) Partition(groups []int) { s.group = append([]int(nil), groups...) }

// Heal removes the partition.
func (s *Sim) Heal() { s.group = nil }

func (s *Sim) groupOf(i int) int {
	if i < len(s.group) {
		return s.group[i]
	}
	return 0
}

// clock adapts the simulation's time to gossip.Clock.
type clock struct{ s *Sim }

func (c clock) Now() time.Time { return c.s.Now() }

// AddNode creates a node (INITIALIZED) at the next free address,
// 10.x.y.z:7946, and returns it.
func (s *Sim) AddNode() (*Node, error) {
	i := len(s.nodes)
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 7946)
	n := &Node{sim: s, Index: i, Addr: addr}
	s.nodes = append(s.nodes, n)
	s.byAddr[addr] = n
	if err := n.start(); err != nil {
		return nil, err
	}
	return n, nil
}

// MultiaddrOf returns a node address in multiaddr form.
func MultiaddrOf(a netip.AddrPort) multiaddr.Multiaddr {
	if a.Addr().Is4() {
		return multiaddr.StringCast(fmt.Sprintf("/ip4/%s/udp/%d", a.Addr(), a.Port()))
	}
	return multiaddr.StringCast(fmt.Sprintf("/ip6/%s/udp/%d", a.Addr(), a.Port()))
}

// RunFor processes events for d of virtual time.
func (s *Sim) RunFor(d time.Duration) { s.RunUntil(func() bool { return false }, d) }

// RunUntil processes events until done reports true (checked after each
// event) or d of virtual time has passed, and reports whether done did.
func (s *Sim) RunUntil(done func() bool, d time.Duration) bool {
	end := s.now + int64(d)
	for len(s.events) > 0 && s.events[0].at <= end {
		e := heap.Pop(&s.events).(event)
		s.now = e.at
		switch e.kind {
		case evDeliver:
			s.release(s.nodes[e.node].deliver(e.pkt))
		case evWake:
			if n := s.nodes[e.node]; e.gen == n.wakeGen {
				n.activate()
			}
		case evTimer:
			s.fire(int(e.gen))
		}
		if done() {
			return true
		}
	}
	s.now = end
	return done()
}
