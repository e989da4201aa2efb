package sim

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/tickgossip/gossip"
)

// Removal is one member removed from one node's table, as its OnMember
// event said (see Options.TrackMembers).
type Removal struct {
	At time.Duration // virtual time
	By int           // index of the node whose table it left
	ID gossip.NodeID // the member removed
	// Node is the index of the node the id belongs to (-1: an id the
	// simulation never started).
	Node int
	Kind gossip.MemberEventKind // MemberFailed, MemberLeft or MemberReplaced
	// Live says the member's service was running at that moment (up,
	// possibly paused): a failure detector's false positive when Kind is
	// MemberFailed, and a bug when it is MemberLeft.
	Live bool
}

// False reports whether the removal took out a live member as failed or
// departed.
func (r Removal) False() bool {
	return r.Live && (r.Kind == gossip.MemberFailed || r.Kind == gossip.MemberLeft)
}

// memberTracker numbers every service the simulation starts (its slot)
// and, when on, keeps each node's member table as a bitset of slots,
// with the counts the scenario checks ask for after every event kept up
// to date as the events arrive, so asking costs nothing.
type memberTracker struct {
	on       bool
	slotOf   map[gossip.NodeID]int
	slotNode []int // slot: node index
	cur      []int // node index: its running service's slot, -1 when down
	live     int   // nodes up

	tables  [][]uint64 // node index: bitset of the slots its table lists
	sizes   []int      // node index: members in tables[i]
	listers []int      // slot: live nodes listing it
	pairs   int        // (live node, live member) listings
	// dirty lists the nodes whose table size disagreed with the
	// service's after an event: an event kind this tracker does not know
	// (a newer library), or a change that raised none. Queries resync
	// them from GossipService.Members first.
	dirty    []int
	isDirty  []bool
	removals []Removal
	unknown  uint64 // events of kinds the tracker ignores
	resyncs  uint64

	// Metadata of the members a scenario's meta command set (watched
	// slots only, so memory stays small): what each node last saw, and how
	// often a node's view went back to an older incarnation.
	metaWatch   map[int]bool
	metaSeen    map[[2]int]metaView // (observer node, slot)
	regressions []string
}

// metaView is one node's view of a member's record.
type metaView struct {
	inc  uint32
	meta string
}

func (t *memberTracker) init(on bool) {
	t.on = on
	t.slotOf = make(map[gossip.NodeID]int)
}

// isLive reports whether slot is a node's running service.
func (t *memberTracker) isLive(slot int) bool { return t.cur[t.slotNode[slot]] == slot }

// started registers node n's new service.
func (t *memberTracker) started(n *Node) {
	slot := len(t.slotNode)
	t.slotOf[n.Svc.ID()] = slot
	t.slotNode = append(t.slotNode, n.Index)
	for len(t.cur) <= n.Index {
		t.cur = append(t.cur, -1)
		t.tables = append(t.tables, nil)
		t.sizes = append(t.sizes, 0)
		t.isDirty = append(t.isDirty, false)
	}
	t.cur[n.Index] = slot
	t.live++
	if t.on {
		t.listers = append(t.listers, 0)
	}
}

// stopped forgets node i's table: a stopped service lists no one, and is
// no longer a live member of anyone's.
func (t *memberTracker) stopped(i int) {
	slot := t.cur[i]
	if slot < 0 {
		return
	}
	if t.on {
		t.clear(i)
		t.pairs -= t.listers[slot]
	}
	t.cur[i] = -1
	t.live--
}

func (t *memberTracker) clear(i int) {
	for w, word := range t.tables[i] {
		for word != 0 {
			slot := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			t.listers[slot]--
			if t.isLive(slot) {
				t.pairs--
			}
		}
		t.tables[i][w] = 0
	}
	t.sizes[i] = 0
}

func (t *memberTracker) has(i, slot int) bool {
	w := slot / 64
	return w < len(t.tables[i]) && t.tables[i][w]&(1<<(slot%64)) != 0
}

func (t *memberTracker) add(i, slot int) {
	w := slot / 64
	for len(t.tables[i]) <= w {
		t.tables[i] = append(t.tables[i], 0)
	}
	if t.tables[i][w]&(1<<(slot%64)) != 0 {
		return
	}
	t.tables[i][w] |= 1 << (slot % 64)
	t.sizes[i]++
	t.listers[slot]++
	if t.isLive(slot) {
		t.pairs++
	}
}

func (t *memberTracker) remove(i, slot int) bool {
	if !t.has(i, slot) {
		return false
	}
	t.tables[i][slot/64] &^= 1 << (slot % 64)
	t.sizes[i]--
	t.listers[slot]--
	if t.isLive(slot) {
		t.pairs--
	}
	return true
}

// event applies node n's OnMember event.
func (t *memberTracker) event(s *Sim, n *Node, ev gossip.MemberEvent) {
	i := n.Index
	slot, known := t.slotOf[ev.Member.ID]
	if known && t.metaWatch[slot] && (ev.Kind == gossip.MemberJoined || ev.Kind == gossip.MemberUpdated) {
		t.sawMeta(s, i, slot, ev.Member)
	}
	switch ev.Kind {
	case gossip.MemberUpdated:
	case gossip.MemberJoined:
		if known {
			t.add(i, slot)
		}
	case gossip.MemberFailed, gossip.MemberLeft, gossip.MemberReplaced:
		r := Removal{At: s.Elapsed(), By: i, ID: ev.Member.ID, Node: -1, Kind: ev.Kind}
		if known {
			t.remove(i, slot)
			r.Node, r.Live = t.slotNode[slot], t.isLive(slot)
		}
		t.removals = append(t.removals, r)
	default:
		// A kind added after this tracker was written (an update, a
		// suspicion): the table is compared with the service's below.
		t.unknown++
	}
	if n.Svc != nil && t.sizes[i] != n.Svc.NumMembers() && !t.isDirty[i] {
		t.isDirty[i] = true
		t.dirty = append(t.dirty, i)
	}
}

// sawMeta records node i's view of a watched member, and counts a view
// that went back to an older incarnation.
func (t *memberTracker) sawMeta(s *Sim, i, slot int, m gossip.Member) {
	if t.metaSeen == nil {
		t.metaSeen = map[[2]int]metaView{}
	}
	k := [2]int{i, slot}
	prev, ok := t.metaSeen[k]
	if ok && m.Incarnation < prev.inc && len(t.regressions) < 1000 {
		t.regressions = append(t.regressions, fmt.Sprintf("node %d saw node %d go from incarnation %d (%q) back to %d (%q) at t=%v",
			i, t.slotNode[slot], prev.inc, prev.meta, m.Incarnation, m.Meta, ms(s.Elapsed())))
	}
	t.metaSeen[k] = metaView{inc: m.Incarnation, meta: string(m.Meta)}
}

// watchMeta starts recording what every node sees of node n's metadata,
// from what its table holds now.
func (s *Sim) watchMeta(n *Node) {
	t := &s.mem
	slot, ok := t.slotOf[n.ID()]
	if !ok {
		return
	}
	if t.metaWatch == nil {
		t.metaWatch = map[int]bool{}
	}
	if t.metaWatch[slot] {
		return
	}
	t.metaWatch[slot] = true
	for _, o := range s.nodes {
		if !o.Up || o == n {
			continue
		}
		for _, m := range o.Svc.Members() {
			if m.ID == n.ID() {
				t.sawMeta(s, o.Index, slot, m)
			}
		}
	}
}

// MetaSeen returns what node i last saw of node n's metadata, for a node
// a scenario's meta command watched.
func (s *Sim) MetaSeen(i int, n *Node) (meta string, inc uint32, ok bool) {
	slot, known := s.mem.slotOf[n.ID()]
	if !known {
		return "", 0, false
	}
	v, ok := s.mem.metaSeen[[2]int{i, slot}]
	return v.meta, v.inc, ok
}

// sync rebuilds the tables of the nodes marked dirty whose size still
// disagrees with their service's, from GossipService.Members (which
// allocates, hence only then). It runs outside the services' calls.
func (t *memberTracker) sync(s *Sim) {
	for _, i := range t.dirty {
		t.isDirty[i] = false
		n := s.nodes[i]
		if !n.Up || t.sizes[i] == n.Svc.NumMembers() {
			continue
		}
		t.resyncs++
		t.clear(i)
		for _, m := range n.Svc.Members() {
			if slot, ok := t.slotOf[m.ID]; ok {
				t.add(i, slot)
			}
		}
	}
	t.dirty = t.dirty[:0]
}

// Tracking reports whether the simulation keeps the member tables
// (Options.TrackMembers).
func (s *Sim) Tracking() bool { return s.mem.on }

func (s *Sim) mustTrack() {
	if !s.mem.on {
		panic("sim: member tables are not tracked: set Options.TrackMembers")
	}
	s.mem.sync(s)
}

// Lists reports whether node i's table lists id. It panics unless
// Options.TrackMembers is set, as do ListedBy, LiveListings and Removals.
func (s *Sim) Lists(i int, id gossip.NodeID) bool {
	s.mustTrack()
	slot, ok := s.mem.slotOf[id]
	return ok && i < len(s.mem.tables) && s.mem.has(i, slot)
}

// ListedBy returns how many live nodes (up, paused or not) list id.
func (s *Sim) ListedBy(id gossip.NodeID) int {
	s.mustTrack()
	if slot, ok := s.mem.slotOf[id]; ok {
		return s.mem.listers[slot]
	}
	return 0
}

// LiveListings returns how many (live node, other live node) pairs have
// the second in the first's table, and how many pairs there are: equal
// when every live node knows every other.
func (s *Sim) LiveListings() (have, want int) {
	s.mustTrack()
	return s.mem.pairs, s.mem.live * (s.mem.live - 1)
}

// Removals returns every removal from a member table since the
// simulation began, in time order. The slice is the simulation's own:
// do not change it.
func (s *Sim) Removals() []Removal {
	s.mustTrack()
	return s.mem.removals
}

// NodeOf returns the node id belongs to (its current service or an
// earlier one), or nil for an id the simulation never started.
func (s *Sim) NodeOf(id gossip.NodeID) *Node {
	if slot, ok := s.mem.slotOf[id]; ok {
		return s.nodes[s.mem.slotNode[slot]]
	}
	return nil
}

// Live returns how many nodes are up (paused ones included).
func (s *Sim) Live() int { return s.mem.live }
