package sim

import (
	"slices"
	"time"

	"github.com/tickgossip/gossip"
)

type payloadKey struct {
	origin gossip.NodeID
	seq    uint32
}

// Payload is one published payload and where it has been delivered.
type Payload struct {
	Origin gossip.NodeID
	Seq    uint32
	From   int           // the publishing node's index
	SentAt time.Duration // virtual time of publication
	// At[i] is when node i's current service first delivered it (-1: not
	// yet); Times[i] how often (more than 1 is a bug).
	At    []time.Duration
	Times []int
}

type tracker struct {
	byKey map[payloadKey]*Payload
	list  []*Payload
	// counters since the last Reset, for cost per payload
	datagrams, bytes uint64
	dups             uint64
}

func (t *tracker) init() { t.byKey = make(map[payloadKey]*Payload) }

func (t *tracker) sent(size int) {
	t.datagrams++
	t.bytes += uint64(size)
}

func (t *tracker) published(s *Sim, n *Node, seq uint32) {
	p := &Payload{Origin: n.Svc.ID(), Seq: seq, From: n.Index, SentAt: s.Elapsed()}
	t.byKey[payloadKey{p.Origin, seq}] = p
	t.list = append(t.list, p)
}

// restarted forgets what node's earlier service delivered: its new
// service is a new member, which must get every payload once itself.
func (t *tracker) restarted(node int) {
	for _, p := range t.list {
		if node < len(p.Times) {
			p.At[node], p.Times[node] = -1, 0
		}
	}
}

func (t *tracker) delivered(s *Sim, node int, origin gossip.NodeID, seq uint32) {
	p, ok := t.byKey[payloadKey{origin, seq}]
	if !ok {
		return // not published through the simulator
	}
	for len(p.At) < len(s.nodes) {
		p.At = append(p.At, -1)
		p.Times = append(p.Times, 0)
	}
	if p.Times[node] == 0 {
		p.At[node] = s.Elapsed()
	} else {
		t.dups++
	}
	p.Times[node]++
}

// Payloads returns the payloads published since the last ResetTracking.
func (s *Sim) Payloads() []*Payload { return s.track.list }

// ResetTracking forgets the tracked payloads and zeroes the cost counters,
// to measure the next phase on its own.
func (s *Sim) ResetTracking() {
	s.track.list = nil
	clear(s.track.byKey)
	s.track.datagrams, s.track.bytes, s.track.dups = 0, 0, 0
}

// Reach returns the live nodes (other than the origin's current service)
// that have delivered p, and how many live nodes could have.
func (s *Sim) Reach(p *Payload) (got, want int) {
	for i, n := range s.nodes {
		if !n.Up || n.ID() == p.Origin {
			continue
		}
		want++
		if i < len(p.Times) && p.Times[i] > 0 {
			got++
		}
	}
	return got, want
}

// Quantile returns how long after publication the first q (0..1) of the
// live nodes had p, and false if fewer than that have it.
func (s *Sim) Quantile(p *Payload, q float64) (time.Duration, bool) {
	var at []time.Duration
	want := 0
	for i, n := range s.nodes {
		if !n.Up || n.ID() == p.Origin {
			continue
		}
		want++
		if i < len(p.At) && p.At[i] >= 0 {
			at = append(at, p.At[i]-p.SentAt)
		}
	}
	need := int(float64(want)*q + 0.999999)
	if need == 0 {
		return 0, true
	}
	if len(at) < need {
		return 0, false
	}
	slices.Sort(at)
	return at[need-1], true
}

// ResetCost zeroes the cost counters only, to measure a batch of
// payloads on its own while still tracking earlier ones.
func (s *Sim) ResetCost() { s.track.datagrams, s.track.bytes = 0, 0 }

// Cost returns the datagrams and bytes the network carried since the last
// ResetTracking, and the duplicate deliveries seen (always 0 unless
// something is wrong).
func (s *Sim) Cost() (datagrams, bytes, duplicates uint64) {
	return s.track.datagrams, s.track.bytes, s.track.dups
}
