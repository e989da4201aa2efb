package gossip_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
)

// lateJoiner runs a cluster of two with backlog b, sends three payloads
// from node 1, then adds a newcomer and returns how many of those three
// it was given, and the cluster.
func lateJoiner(t *testing.T, b gossip.Backlog) (int, *cluster, *tnode) {
	c := startCluster(t, 2, func(cfg *gossip.Config) { cfg.Backlog = b })
	for i := range 3 {
		if err := c.nodes[1].svc.SendData([]byte(fmt.Sprintf("before the join %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.run(time.Second)
	late := c.add()
	if err := late.svc.Join(c.nodes[0].svc.Addr()); err != nil {
		t.Fatal(err)
	}
	c.run(3 * time.Second) // many anti-entropy rounds
	return len(late.got), c, late
}

// TestLateJoinerGetsTheLogByDefault names the default: a newcomer is
// given what the data logs still hold, payloads sent before it joined.
func TestLateJoinerGetsTheLogByDefault(t *testing.T) {
	if got, _, _ := lateJoiner(t, gossip.BacklogReplay); got != 3 {
		t.Fatalf("newcomer given %d of the 3 earlier payloads, want all 3 (BacklogReplay)", got)
	}
}

// TestLateJoinerSkipsTheBacklog: with BacklogSkip the newcomer gets none
// of the history, and every payload sent after it joined.
func TestLateJoinerSkipsTheBacklog(t *testing.T) {
	got, c, late := lateJoiner(t, gossip.BacklogSkip)
	if got != 0 {
		t.Fatalf("newcomer given %d of the 3 earlier payloads, want none (BacklogSkip)", got)
	}
	if err := c.nodes[1].svc.SendData([]byte("after the join")); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)
	if len(late.got) != 1 {
		t.Errorf("newcomer given %d payloads sent after its join, want 1", len(late.got))
	}
}

// TestBacklogSkipStillRepairsLoss: a member that joined before a payload
// and lost every copy of it gets it from anti-entropy, as without the
// setting.
func TestBacklogSkipStillRepairsLoss(t *testing.T) {
	c := startCluster(t, 3, func(cfg *gossip.Config) { cfg.Backlog = gossip.BacklogSkip })
	victim := addrOf(c.nodes[2])
	lose := true
	c.net.Filter = func(_, to netip.AddrPort, b []byte) bool {
		return lose && to == victim && len(b) > 1 && (b[1] == 5 || b[1] == 14) // every Data, and every Copy, to the victim
	}
	if err := c.nodes[1].svc.SendData([]byte("lost on the way")); err != nil {
		t.Fatal(err)
	}
	c.pump()
	if len(c.nodes[2].got) != 0 {
		t.Fatal("the payload reached the victim through the filter")
	}
	lose = false
	c.run(3 * time.Second)
	if len(c.nodes[2].got) != 1 {
		t.Errorf("victim has %d payloads after anti-entropy, want the lost one", len(c.nodes[2].got))
	}
}
