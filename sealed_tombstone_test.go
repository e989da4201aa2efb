package gossip_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/seal"
	"github.com/tickgossip/gossip/message"
)

// tombstonePeriod is the TombstonePeriod of the tombstone tests: short, so
// the tests can wait it out.
const tombstonePeriod = 3 * time.Second

// tombstoneModes runs a test without keys and with them.
func tombstoneModes(t *testing.T, test func(t *testing.T, keyed bool, tweak func(*gossip.Config))) {
	for _, keyed := range []bool{false, true} {
		name := "plaintext"
		if keyed {
			name = "sealed"
		}
		t.Run(name, func(t *testing.T) {
			test(t, keyed, func(cfg *gossip.Config) {
				cfg.TombstonePeriod = tombstonePeriod
				if keyed {
					cfg.Keys = [][]byte{testKey("k1")}
				}
			})
		})
	}
}

// hearsay forges a MemberList naming a member, as another member would
// send it (the test injects it from that member's address, not the named
// one's), sealed under the cluster's key when keyed.
type hearsay struct {
	keyed bool
	f     *sealForger
}

func (h *hearsay) list(t *testing.T, to *tnode, m message.Member) []byte {
	b := memberList(t, 77, m)
	if h.keyed {
		b = h.f.forNode(to).seal(t, b)
	}
	return b
}

// waitUntil runs the cluster in steps of step until done, for at most
// limit, and returns how long it took.
func (c *cluster) waitUntil(done func() bool, step, limit time.Duration) (time.Duration, bool) {
	for waited := time.Duration(0); ; waited += step {
		if done() {
			return waited, true
		}
		if waited >= limit {
			return waited, false
		}
		c.run(step)
	}
}

// TestRemovedMemberStaysRemovedForTheTombstonePeriod: a member removed on
// its Leave, or as failed after a crash, is not brought back within
// TombstonePeriod by another member's MemberList naming it (forged here
// from a live member's address), nor, with keys, by any datagram it sealed,
// its Hello included, replayed to any node; after the period the same
// hearsay brings it back.
func TestRemovedMemberStaysRemovedForTheTombstonePeriod(t *testing.T) {
	tombstoneModes(t, func(t *testing.T, keyed bool, tweak func(*gossip.Config)) {
		for _, how := range []string{"leave", "crash"} {
			t.Run(how, func(t *testing.T) {
				c, rec := startRecorded(t, 5, tweak)
				gone := c.nodes[3] // joined through node 0
				goneID := gone.svc.ID()
				goneMember := message.Member{ID: uint64(goneID), Addr: addrOf(gone)}
				for i, n := range c.nodes {
					if err := n.svc.SendData([]byte{byte(i)}); err != nil {
						t.Fatal(err)
					}
				}
				c.run(time.Second)
				live := slices.DeleteFunc(slices.Clone(c.nodes), func(n *tnode) bool { return n == gone })

				switch how {
				case "leave":
					if err := gone.svc.Leave(); err != nil {
						t.Fatal(err)
					}
					c.pump()
				case "crash":
					gone.down = true
					gone.ep.Close()
				}
				// When each node removed it (to the step): its tombstone runs
				// from then.
				removedAt := map[*tnode]time.Time{}
				took, ok := c.waitUntil(func() bool {
					for _, n := range live {
						if _, done := removedAt[n]; !done && !c.members(n)[goneID] {
							removedAt[n] = c.clock.T
						}
					}
					return len(removedAt) == len(live)
				}, 50*time.Millisecond, 2*time.Second)
				if !ok {
					t.Fatalf("still listed by nodes %v after %v", c.listedBy(goneID), took)
				}
				rec.on = false

				// Hearsay within the period: each live node gets a list
				// naming the removed member from another live member.
				h := &hearsay{keyed: keyed, f: newSealForger(testKey("k1"), 0xf0f0)}
				for i, n := range live {
					from := addrOf(live[(i+1)%len(live)])
					before := n.svc.Stats()
					injectSealed(t, n, from, h.list(t, n, goneMember))
					after := n.svc.Stats()
					if after.MembersBuried != before.MembersBuried+1 || after.MembersAdded != before.MembersAdded {
						t.Fatalf("node %d: buried %d, added %d; want 1 and 0",
							i, after.MembersBuried-before.MembersBuried, after.MembersAdded-before.MembersAdded)
					}
				}
				c.pump()
				if l := c.listedBy(goneID); len(l) != 0 {
					t.Fatalf("hearsay within the period re-added it at nodes %v", l)
				}

				if keyed {
					replayRemoved(t, c, rec, live, goneID)
				}

				// A little before the period ends it is still buried.
				n := live[0]
				c.run(removedAt[n].Add(tombstonePeriod - 200*time.Millisecond).Sub(c.clock.T))
				injectSealed(t, n, addrOf(live[1]), h.list(t, n, goneMember))
				if c.members(n)[goneID] {
					t.Fatal("re-added by hearsay before the period ended")
				}
				// After the period, hearsay brings it back.
				c.run(time.Second)
				events := len(n.events)
				injectSealed(t, n, addrOf(live[1]), h.list(t, n, goneMember))
				if !c.members(n)[goneID] {
					t.Fatal("not re-added by hearsay after the period")
				}
				if ev := n.events[events:]; len(ev) != 1 || ev[0].Kind != gossip.MemberJoined || ev[0].Member.ID != goneID {
					t.Fatalf("events %v, want one join of %v", ev, goneID)
				}
			})
		}
	})
}

// replayRemoved hands every datagram the removed member sealed, its Hello
// to the seed included, to the node it was delivered to and then to every
// live node: none brings it back.
//
// A sealed datagram is bound to its recipient (format version 2), so at a
// node other than its recipient it does not open at all: only its Hellos,
// sealed for recipient 0 because the member did not know its seed's id,
// open anywhere, as long as the node's window for the member has not seen
// their counters. What stops those is that a node removing a member
// fences that member's window: every counter up to the newest it accepted
// counts as used. What still opens at a node is exactly a Hello sealed for
// recipient 0 after the member's last datagram to that node: in this
// scenario, none.
func replayRemoved(t *testing.T, c *cluster, rec *recorder, live []*tnode, gone gossip.NodeID) {
	t.Helper()
	byAddr := map[netip.AddrPort]*tnode{}
	for _, n := range live {
		byAddr[addrOf(n)] = n
	}
	var (
		mine  []datagram
		toAny []bool // sealed for recipient 0 (a Hello): may open anywhere
	)
	hellos := 0
	newest := map[*tnode]uint64{} // the highest counter each node got from it
	for _, d := range rec.got {
		if d.sender() != uint64(gone) {
			continue
		}
		mine = append(mine, d)
		if n := byAddr[d.to]; n != nil {
			newest[n] = max(newest[n], d.counter())
		}
		pt, _, _, err := seal.Open(nil, testKey("k1"), d.b, 0)
		toAny = append(toAny, err == nil)
		if err == nil {
			if h, _, err := message.ParseHeader(pt); err != nil || (h.Type != message.TypeHello && h.Type != message.TypeJoin) {
				t.Fatalf("the member sealed for recipient 0 what is neither a Hello nor a Join: %x", pt)
			}
			hellos++
		}
	}
	if hellos == 0 || len(mine) < 20 {
		t.Fatalf("%d datagrams of the removed member recorded, %d Joins and Hellos", len(mine), hellos)
	}
	added := map[*tnode]uint64{}
	for _, n := range live {
		added[n] = n.svc.Stats().MembersAdded
	}
	for _, d := range mine {
		if n := byAddr[d.to]; n != nil {
			st := n.svc.Stats().Sealing
			injectSealed(t, n, d.from, d.b)
			if now := n.svc.Stats().Sealing; now.Replayed != st.Replayed+1 {
				t.Fatalf("a datagram replayed to its recipient was not refused: %+v", now)
			}
		}
	}
	total := 0
	for i, n := range live {
		later, elsewhere := 0, 0
		for k, d := range mine {
			switch {
			case toAny[k] && d.counter() > newest[n]:
				later++
			case !toAny[k] && d.to != addrOf(n):
				elsewhere++
			}
		}
		st := n.svc.Stats().Sealing
		for _, d := range mine {
			injectSealed(t, n, d.from, d.b)
		}
		now := n.svc.Stats().Sealing
		if int(now.Opened-st.Opened) != later || int(now.NoKey-st.NoKey) != elsewhere ||
			now.Replayed-st.Replayed != uint64(len(mine)-later-elsewhere) {
			t.Fatalf("node %d: of the removed member's %d datagrams %d opened, %d did not open, %d refused as replays; "+
				"want %d opened (Hellos sealed after its last one here), %d not opening (sealed for other nodes)",
				i, len(mine), now.Opened-st.Opened, now.NoKey-st.NoKey, now.Replayed-st.Replayed, later, elsewhere)
		}
		total += later
	}
	c.pump()
	if l := c.listedBy(gone); len(l) != 0 {
		t.Fatalf("a replayed datagram re-added it at nodes %v", l)
	}
	for i, n := range live {
		if n.svc.Stats().MembersAdded != added[n] {
			t.Fatalf("node %d added a member during the replay", i)
		}
	}
	t.Logf("%d of its datagrams (%d Hellos) replayed to %d nodes: %d opened", len(mine), hellos, len(live), total)
}

// TestWronglyRemovedLiveNodeGetsBackIn: a node that stops for a while (a
// paused process: nothing read, nothing sent, its socket buffer filling)
// is declared failed by every member, while it still lists them all.
// When it runs again it reads the verdicts waiting in its socket buffer
// (each member also sent the verdict to its address) and refutes them:
// its record at a higher incarnation brings it back everywhere at once,
// while hearsay of it at the old incarnation stays buried. The bound is
// the old one of a greeting per member, (2(N-1)+2) × TickInterval, which
// the refutation beats by far.
//
// The node is paused rather than cut off by a filter while it runs: cut
// off, its own probes go unanswered too, so it removes every member in
// turn while they remove it, and a node that lists no one and is listed
// by no one never talks to the cluster again (it stays CONNECTED, alone).
func TestWronglyRemovedLiveNodeGetsBackIn(t *testing.T) {
	tombstoneModes(t, func(t *testing.T, keyed bool, tweak func(*gossip.Config)) {
		const nodes = 5
		c := startCluster(t, nodes, tweak)
		cfg := c.cfgOf()
		w := c.nodes[2]
		wID := w.svc.ID()
		others := slices.DeleteFunc(slices.Clone(c.nodes), func(n *tnode) bool { return n == w })
		// Paused: not driven. What is sent to it waits, as in a socket
		// buffer, outside the network (whose pump waits for every inbox
		// to empty).
		var buffered []datagram
		c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
			if to == addrOf(w) {
				buffered = append(buffered, datagram{from, to, slices.Clone(b)})
				return true
			}
			return false
		}
		w.down = true
		took, ok := c.waitUntil(func() bool { return len(c.listedBy(wID)) == 0 }, 100*time.Millisecond, 3*time.Second)
		if !ok {
			t.Fatalf("still listed by %v after %v", c.listedBy(wID), took)
		}
		// While it is away, hearsay does not bring it back either.
		h := &hearsay{keyed: keyed, f: newSealForger(testKey("k1"), 0xf0f0)}
		injectSealed(t, others[0], addrOf(others[1]), h.list(t, others[0], message.Member{ID: uint64(wID), Addr: addrOf(w)}))
		if c.members(others[0])[wID] {
			t.Fatal("hearsay re-added the removed node")
		}
		if got := len(c.members(w)); got != nodes-1 {
			t.Fatalf("the paused node lists %d members, want %d", got, nodes-1)
		}
		refutations := w.svc.Stats().Detector.Refutations

		c.net.Filter = nil
		for _, d := range buffered {
			w.ep.Inject(d.from, d.b)
		}
		w.down = false
		bound := time.Duration(2*(nodes-1)+2) * cfg.TickInterval
		back, ok := c.waitUntil(func() bool {
			for _, n := range c.nodes {
				if n != w && !c.members(n)[wID] {
					return false
				}
			}
			return true
		}, 10*time.Millisecond, bound)
		if !ok {
			t.Fatalf("after %v only nodes %v list it again (bound %v)", back, c.listedBy(wID), bound)
		}
		t.Logf("listed by every node again %v after it resumed (bound %v)", back, bound)
		if w.svc.Stats().Detector.Refutations == refutations {
			t.Errorf("it came back without refuting its verdict")
		}
		for i, n := range others {
			last := n.events[len(n.events)-1]
			if last.Kind != gossip.MemberJoined || last.Member.ID != wID {
				t.Errorf("node %d: last event %v %v, want joined %v", i, last.Kind, last.Member.ID, wID)
			}
		}
		for i, n := range c.nodes {
			if len(c.members(n)) != nodes-1 {
				t.Fatalf("node %d lists %d members, want %d", i, len(c.members(n)), nodes-1)
			}
		}
		c.checkDisseminates(w, fmt.Sprintf("back from a pause (%v)", keyed), 5*time.Second)
		c.checkDisseminates(others[0], "to the node back from a pause", 5*time.Second)
	})
}
