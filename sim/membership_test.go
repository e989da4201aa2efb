package sim

import (
	"testing"
	"time"

	"github.com/tickgossip/gossip"
)

// verifyTables compares the tracked tables and counts with what the
// services' own tables (Members) say: the tracker's incremental counts
// against a slow recount.
func verifyTables(t *testing.T, s *Sim, when string) {
	t.Helper()
	listed := map[gossip.NodeID]int{}
	pairs, live := 0, 0
	liveIDs := map[gossip.NodeID]bool{}
	for _, n := range s.Nodes() {
		if n.Up {
			liveIDs[n.ID()] = true
			live++
		}
	}
	for _, n := range s.Nodes() {
		if !n.Up {
			continue
		}
		ms := n.Svc.Members()
		for _, m := range ms {
			listed[m.ID]++
			if liveIDs[m.ID] {
				pairs++
			}
			if !s.Lists(n.Index, m.ID) {
				t.Errorf("%s: node %d lists %v, the tracker says not", when, n.Index, m.ID)
			}
		}
		k := 0
		for _, o := range s.Nodes() {
			for _, id := range o.IDs() {
				if s.Lists(n.Index, id) {
					k++
				}
			}
		}
		if k != len(ms) {
			t.Errorf("%s: node %d lists %d members, the tracker %d", when, n.Index, len(ms), k)
		}
	}
	for _, n := range s.Nodes() {
		for _, id := range n.IDs() {
			if got := s.ListedBy(id); got != listed[id] {
				t.Errorf("%s: %v (node %d) listed by %d live nodes, the tracker says %d", when, id, n.Index, listed[id], got)
			}
		}
	}
	have, want := s.LiveListings()
	if have != pairs || want != live*(live-1) || s.Live() != live {
		t.Errorf("%s: live listings %d of %d (live %d), recount %d of %d (live %d)", when, have, want, s.Live(), pairs, live*(live-1), live)
	}
}

func TestTrackedTablesAgreeWithTheServices(t *testing.T) {
	s := New(Options{Seed: 9, Latency: 2 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.05, TrackMembers: true,
		Config: func(_ int, c *gossip.Config) { c.RetryInterval, c.GapTimeout = time.Second, 3*time.Second }})
	for range 16 {
		if _, err := s.AddNode(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Node(0).Join(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 16; i++ {
		if err := s.Node(i).Join(s.Node(0)); err != nil {
			t.Fatal(err)
		}
		s.RunFor(20 * time.Millisecond)
	}
	s.RunFor(10 * time.Second)
	verifyTables(t, s, "joined")
	s.Node(3).Crash()
	s.Node(5).Pause()
	if err := s.Node(7).Leave(); err != nil {
		t.Fatal(err)
	}
	s.RunFor(40 * time.Second)
	verifyTables(t, s, "crash, pause, leave")
	s.Node(5).Resume()
	if err := s.Node(3).Restart(s.Node(0)); err != nil {
		t.Fatal(err)
	}
	g := make([]int, 16)
	for i := 8; i < 16; i++ {
		g[i] = 1 + i%2
	}
	s.Partition(g)
	s.RunFor(30 * time.Second)
	verifyTables(t, s, "restart, three-way partition")
	s.Heal()
	s.RunFor(60 * time.Second)
	verifyTables(t, s, "healed")
	if s.mem.unknown != 0 || s.mem.resyncs != 0 {
		t.Errorf("unknown kinds %d, resyncs %d: every change raised an event the tracker knows", s.mem.unknown, s.mem.resyncs)
	}
	var falseRemovals, crashed int
	for _, rm := range s.Removals() {
		if rm.False() {
			falseRemovals++
		}
		if rm.Node == 3 && !rm.Live && rm.Kind == gossip.MemberFailed {
			crashed++
		}
	}
	if crashed == 0 || falseRemovals == 0 {
		t.Errorf("removals: %d of the crashed node, %d false (the paused node, the partition): want both", crashed, falseRemovals)
	}
}

// TestUnknownEventKindsChangeNothingAndDriftIsRepaired feeds the tracker
// what a newer library might: a kind it does not know, and a change the
// tracker missed (the table disagrees with the service's).
func TestUnknownEventKindsChangeNothingAndDriftIsRepaired(t *testing.T) {
	s := New(Options{Seed: 1, Latency: time.Millisecond, TrackMembers: true})
	for range 3 {
		if _, err := s.AddNode(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Node(0).Join(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if err := s.Node(i).Join(s.Node(0)); err != nil {
			t.Fatal(err)
		}
	}
	s.RunFor(5 * time.Second)
	n0, id1 := s.Node(0), s.Node(1).ID()
	if !s.Lists(0, id1) {
		t.Fatal("node 0 does not list node 1")
	}
	ev := gossip.MemberEvent{Kind: gossip.MemberEventKind(99), Member: gossip.Member{ID: id1}}
	s.mem.event(s, n0, ev)
	if !s.Lists(0, id1) || s.mem.unknown != 1 || s.mem.resyncs != 0 {
		t.Errorf("an unknown kind changed the table (lists %v, unknown %d, resyncs %d)", s.Lists(0, id1), s.mem.unknown, s.mem.resyncs)
	}
	// A removal the service did not make: the next query rebuilds the
	// table from Members.
	s.mem.event(s, n0, gossip.MemberEvent{Kind: gossip.MemberFailed, Member: gossip.Member{ID: id1}})
	if !s.Lists(0, id1) || s.mem.resyncs != 1 {
		t.Errorf("drift not repaired: lists %v, resyncs %d", s.Lists(0, id1), s.mem.resyncs)
	}
	verifyTables(t, s, "repaired")
}
