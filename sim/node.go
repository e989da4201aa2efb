package sim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// Node is one simulated node: a real GossipService on the simulated
// network. After Crash, Restart gives the address a new service with a new
// id, as a restarted process would.
type Node struct {
	sim   *Sim
	Index int
	Addr  netip.AddrPort
	// Svc is the node's current service (nil once crashed or departed).
	Svc *gossip.GossipService
	// Up is false after Crash or Leave, until Restart.
	Up bool
	// PastIDs lists the ids of this address's earlier services, and
	// PastStats their counters when they stopped.
	PastIDs   []gossip.NodeID
	PastStats []gossip.Stats

	ep      *endpoint
	wakeGen uint64
	paused  bool
	stopped int64 // virtual time of the last Crash, Leave or Pause
}

func (n *Node) start() error {
	s := n.sim
	n.ep = &endpoint{node: n}
	cfg := gossip.DefaultConfig()
	cfg.Transport = n.ep
	cfg.Clock = clock{s}
	cfg.Rand = rand.New(rand.NewPCG(s.rng.Uint64(), s.rng.Uint64()))
	idx := n.Index
	cfg.OnData = func(origin gossip.NodeID, seq uint32, _ []byte) { s.track.delivered(s, idx, origin, seq) }
	if len(s.opt.Keys) > 0 {
		cfg.Keys = slices.Clone(s.opt.Keys)
	}
	if s.opt.Config != nil {
		s.opt.Config(n.Index, &cfg)
	}
	if s.mem.on {
		own := cfg.OnMember
		cfg.OnMember = func(ev gossip.MemberEvent) {
			s.mem.event(s, n, ev)
			if own != nil {
				own(ev)
			}
		}
	}
	svc, err := gossip.New(cfg)
	if err != nil {
		return fmt.Errorf("sim: node %d: %w", n.Index, err)
	}
	n.Svc, n.Up, n.paused = svc, true, false
	s.mem.started(n)
	n.wake(0)
	return nil
}

// ID returns the current service's id (0 when down).
func (n *Node) ID() gossip.NodeID {
	if n.Svc == nil {
		return 0
	}
	return n.Svc.ID()
}

// Join joins the cluster through the given nodes (none: a new cluster).
func (n *Node) Join(seeds ...*Node) error {
	addrs := make([]multiaddr.Multiaddr, 0, len(seeds))
	for _, sd := range seeds {
		addrs = append(addrs, MultiaddrOf(sd.Addr))
	}
	if err := n.Svc.Join(addrs...); err != nil {
		return err
	}
	n.wake(0)
	return nil
}

// Publish spreads payload from this node and tracks its delivery.
func (n *Node) Publish(payload []byte) error {
	if err := n.Svc.SendData(payload); err != nil {
		return err
	}
	n.sim.track.published(n.sim, n, uint32(n.Svc.Stats().DataOriginated))
	n.wake(0)
	return nil
}

// Crash stops the node silently: no Leave, nothing more sent or read.
func (n *Node) Crash() {
	if !n.Up {
		return
	}
	n.down()
}

// Leave makes the node leave gracefully, flush its Leaves and stop.
func (n *Node) Leave() error {
	if !n.Up {
		return nil
	}
	if err := n.Svc.Leave(); err != nil {
		return err
	}
	if _, err := n.Svc.Send(); err != nil {
		return err
	}
	n.down()
	return nil
}

func (n *Node) down() {
	n.sim.mem.stopped(n.Index)
	n.stopped = n.sim.now
	n.PastIDs = append(n.PastIDs, n.Svc.ID())
	n.PastStats = append(n.PastStats, n.Svc.Stats())
	n.Svc.Close()
	n.Svc, n.Up, n.paused = nil, false, false
	for _, p := range n.ep.inbox {
		n.sim.release(p)
	}
	n.ep.inbox = nil
	n.wakeGen++
}

// Restart starts a new service (a new id) at this address and joins
// through seeds. The new service is a new member: the payloads the old one
// delivered count as not yet delivered to it (the cluster's data log
// repairs them).
func (n *Node) Restart(seeds ...*Node) error {
	if n.Up {
		n.Crash()
	}
	if err := n.start(); err != nil {
		return err
	}
	n.sim.track.restarted(n.Index)
	return n.Join(seeds...)
}

// Pause stops driving the node, as if its process were stopped: it reads,
// sends and ticks nothing, and what is sent to it waits in its inbox,
// until Resume. Its members remove it as failed if it stays paused long
// enough, while it still lists them.
func (n *Node) Pause() {
	if n.Up && !n.paused {
		n.paused = true
		n.stopped = n.sim.now
		n.wakeGen++
	}
}

// Resume drives a paused node again, at once.
func (n *Node) Resume() {
	if n.Up && n.paused {
		n.paused = false
		n.wake(0)
	}
}

// Paused reports whether the node is paused.
func (n *Node) Paused() bool { return n.paused }

// StoppedAt returns the virtual time at which the node crashed, left or
// was paused, and false if it is running.
func (n *Node) StoppedAt() (time.Duration, bool) {
	if n.Up && !n.paused {
		return 0, false
	}
	return time.Duration(n.stopped), true
}

// IDs returns every id the node has had, the running service's last.
func (n *Node) IDs() []gossip.NodeID {
	ids := slices.Clone(n.PastIDs)
	if n.Up {
		ids = append(ids, n.Svc.ID())
	}
	return ids
}

// deliver hands a datagram to the node and runs it; a packet the node
// cannot take is returned for reuse.
func (n *Node) deliver(p *packet) *packet {
	if !n.Up {
		n.sim.net.Lost++
		return p
	}
	n.sim.net.Delivered++
	n.ep.inbox = append(n.ep.inbox, p)
	n.activate()
	return nil
}

// activate is one turn of a caller's loop: Tick, Receive, Send, until the
// inbox is empty, then sleep until Tick's deadline.
func (n *Node) activate() {
	if n.paused {
		return
	}
	for range 1000 {
		if !n.Up {
			return
		}
		n.Svc.Tick()
		n.Svc.Receive()
		n.Svc.Send()
		if len(n.ep.inbox) == 0 {
			break
		}
	}
	n.wake(n.Svc.Tick())
}

// wake schedules the node's next turn d from now, replacing any other.
func (n *Node) wake(d time.Duration) {
	n.wakeGen++
	n.sim.schedule(event{at: n.sim.now + int64(max(d, 0)), kind: evWake, node: n.Index, gen: n.wakeGen})
}
