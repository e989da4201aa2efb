package gossip_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
)

// metaOf returns what n's table says of id's metadata.
func metaOf(n *tnode, id gossip.NodeID) (string, bool) {
	for _, m := range n.svc.Members() {
		if m.ID == id {
			return string(m.Meta), true
		}
	}
	return "", false
}

func TestMetaReachesEveryMemberAndUpdatesLive(t *testing.T) {
	c := newCluster(t, nil)
	c.tweak = func(cfg *gossip.Config) { cfg.Meta = []byte("role=seed") }
	seed := c.add()
	if err := seed.svc.Join(); err != nil {
		t.Fatal(err)
	}
	c.tweak = nil
	for range 4 {
		n := c.add()
		if err := n.svc.Join(seed.svc.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	c.run(2 * time.Second)
	for i, n := range c.nodes[1:] {
		if m, ok := metaOf(n, seed.svc.ID()); !ok || m != "role=seed" {
			t.Fatalf("node %d sees the seed's metadata as %q (listed %v)", i+1, m, ok)
		}
	}

	before := seed.svc.Incarnation()
	meta := []byte("role=seed,zone=b")
	if err := seed.svc.SetMeta(meta); err != nil {
		t.Fatal(err)
	}
	meta[0] = 'X' // SetMeta copied it
	if got := seed.svc.Incarnation(); got != before+1 {
		t.Fatalf("incarnation %d after SetMeta, want %d", got, before+1)
	}
	c.run(100 * time.Millisecond)
	for i, n := range c.nodes[1:] {
		if m, _ := metaOf(n, seed.svc.ID()); m != "role=seed,zone=b" {
			t.Fatalf("node %d sees %q after SetMeta", i+1, m)
		}
		last := n.events[len(n.events)-1]
		if last.Kind != gossip.MemberUpdated || string(last.Member.Meta) != "role=seed,zone=b" || last.Member.Incarnation != before+1 {
			t.Fatalf("node %d: last event %v %q inc %d, want updated with the new metadata", i+1, last.Kind, last.Member.Meta, last.Member.Incarnation)
		}
	}
	// Members returns copies: changing one changes nothing inside.
	ms := c.nodes[1].svc.Members()
	for i := range ms {
		if ms[i].ID == seed.svc.ID() {
			ms[i].Meta[0] = 'Y'
		}
	}
	if m, _ := metaOf(c.nodes[1], seed.svc.ID()); m != "role=seed,zone=b" {
		t.Fatalf("a caller's change to Members' copy reached the table: %q", m)
	}
}

func TestMetaErrorsChangeNothing(t *testing.T) {
	cfg := testConfig()
	cfg.Meta = bytes.Repeat([]byte("m"), cfg.MaxMetaSize+1)
	if _, err := gossip.New(cfg); !errors.Is(err, gossip.ErrInvalidConfig) || !errors.Is(err, gossip.ErrMetaTooLarge) {
		t.Fatalf("New with Meta over MaxMetaSize: %v, want ErrInvalidConfig and ErrMetaTooLarge", err)
	}
	cfg = testConfig()
	cfg.MaxMetaSize = 256
	if _, err := gossip.New(cfg); !errors.Is(err, gossip.ErrInvalidConfig) || !strings.Contains(err.Error(), "MaxMetaSize") {
		t.Fatalf("MaxMetaSize 256: %v, want ErrInvalidConfig naming MaxMetaSize", err)
	}

	c := startCluster(t, 3, func(cfg *gossip.Config) { cfg.Meta = []byte("a") })
	n := c.nodes[0]
	inc := n.svc.Incarnation()
	out := n.svc.Stats().DatagramsOut
	if err := n.svc.SetMeta(bytes.Repeat([]byte("m"), n.svc.MaxMetaSize()+1)); !errors.Is(err, gossip.ErrMetaTooLarge) {
		t.Fatalf("SetMeta over the bound: %v, want ErrMetaTooLarge", err)
	}
	c.pump()
	if string(n.svc.Meta()) != "a" || n.svc.Incarnation() != inc || n.svc.Stats().DatagramsOut != out {
		t.Fatalf("a refused SetMeta changed something: meta %q, incarnation %d (was %d)", n.svc.Meta(), n.svc.Incarnation(), inc)
	}
	if m, _ := metaOf(c.nodes[1], n.svc.ID()); m != "a" {
		t.Fatalf("the others see %q after a refused SetMeta", m)
	}
	if err := n.svc.SetMeta(bytes.Repeat([]byte("m"), n.svc.MaxMetaSize())); err != nil {
		t.Fatalf("SetMeta at the bound: %v", err)
	}
	if err := n.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.svc.SetMeta([]byte("b")); !errors.Is(err, gossip.ErrClosed) {
		t.Fatalf("SetMeta after Close: %v, want ErrClosed", err)
	}
}

func TestMetaSmallDatagramsLowerTheBound(t *testing.T) {
	cfg := testConfig()
	cfg.MaxMessageSize = 100
	cfg.Keys = [][]byte{bytes.Repeat([]byte{1}, 16)}
	svc, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	// 100 bytes less 36 of sealing less an Update's 11 bytes less an IPv6
	// record's 36: 17 bytes of metadata fit one datagram.
	if got := svc.MaxMetaSize(); got != 17 {
		t.Fatalf("MaxMetaSize at 100 bytes with keys = %d, want 17", got)
	}
}

// A node restarted at the same address, with a new id and new metadata:
// the others see the new member with its metadata, and the old id leaves
// their tables (replaced at once where the new one is heard first, failed
// where the detector gets there first).
func TestRestartAtTheSameAddressWithNewMeta(t *testing.T) {
	c := newCluster(t, nil)
	c.tweak = func(cfg *gossip.Config) { cfg.Meta = []byte("v1") }
	for range 5 {
		c.addAt(ip(byte(len(c.nodes) + 1)))
	}
	if err := c.nodes[0].svc.Join(); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes[1:] {
		if err := n.svc.Join(c.nodes[0].svc.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	c.run(2 * time.Second)
	old := c.nodes[3]
	oldID := old.svc.ID()
	old.down = true
	old.svc.Close()

	c.tweak = func(cfg *gossip.Config) { cfg.Meta = []byte("v2") }
	fresh := c.addAt(ip(4))
	if err := fresh.svc.Join(c.nodes[0].svc.Addr()); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)
	for i, n := range c.nodes {
		if n.down || n == fresh {
			continue
		}
		ms := c.members(n)
		if ms[oldID] {
			t.Fatalf("node %d still lists the old id", i)
		}
		if m, ok := metaOf(n, fresh.svc.ID()); !ok || m != "v2" {
			t.Fatalf("node %d sees the restarted node as %q (listed %v)", i, m, ok)
		}
		gone := false
		for _, ev := range n.events {
			if ev.Member.ID == oldID && (ev.Kind == gossip.MemberReplaced || ev.Kind == gossip.MemberFailed) {
				gone = true
			}
		}
		if !gone {
			t.Fatalf("node %d raised no event for the old id", i)
		}
	}
}
