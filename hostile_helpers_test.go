package gossip_test

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/message"
)

// Helpers shared by the hostile-input tests (hostile_*_test.go and
// fuzz_service_test.go): forging datagrams, snapshotting what a datagram
// may not change, and checking the bounds Config promises.

// wire encodes a message with the given seq into a fresh datagram.
func wire(tb testing.TB, m interface {
	Encode([]byte, uint32) (int, error)
}, seq uint32) []byte {
	tb.Helper()
	b := make([]byte, 1024)
	n, err := m.Encode(b, seq)
	if err == message.ErrBufferTooSmall {
		b = make([]byte, message.MaxMessageSizeLimit)
		n, err = m.Encode(b, seq)
	}
	if err != nil {
		tb.Fatalf("encode %T: %v", m, err)
	}
	return b[:n:n]
}

// memberList encodes a MemberList of the given members.
func memberList(tb testing.TB, seq uint32, ms ...message.Member) []byte {
	tb.Helper()
	b := make([]byte, message.MaxMessageSizeLimit)
	w, err := message.NewMemberListWriter(b, seq)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range ms {
		if !w.Add(m) {
			tb.Fatalf("member %v does not fit", m)
		}
	}
	n := w.Finish()
	return b[:n:n]
}

// status encodes a Status from (id, seq) pairs.
func status(tb testing.TB, seq uint32, records ...uint64) []byte {
	tb.Helper()
	b := make([]byte, message.MaxMessageSizeLimit)
	w, err := message.NewStatusWriter(b, seq)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(records); i += 2 {
		if !w.Add(records[i], uint32(records[i+1])) {
			tb.Fatalf("record %d does not fit", i/2)
		}
	}
	n := w.Finish()
	return b[:n:n]
}

// addrOf returns a node's address as the transport sees it.
func addrOf(n *tnode) netip.AddrPort { return n.ep.LocalAddr() }

// cfgOf returns the Config the cluster gave its nodes (less the
// per-node fields), to check the bounds against.
func (c *cluster) cfgOf() gossip.Config {
	cfg := testConfig()
	if c.tweak != nil {
		c.tweak(&cfg)
	}
	return cfg
}

// drain lets n handle everything waiting in its inbox, so that the next
// Receive handles exactly what the test injects next.
func drain(tb testing.TB, n *tnode) {
	tb.Helper()
	for range 100000 {
		k, err := n.svc.Receive()
		if err != nil {
			tb.Fatalf("Receive: %v", err)
		}
		if k == 0 {
			return
		}
	}
	tb.Fatal("inbox never emptied")
}

// snapshot is everything a dropped datagram must leave as it was.
type snapshot struct {
	stats   gossip.Stats
	members []string
	state   gossip.State
	err     error
}

func snap(s *gossip.GossipService) snapshot {
	var ms []string
	for _, m := range s.Members() {
		ms = append(ms, fmt.Sprintf("%v@%v", m.ID, m.Addr))
	}
	return snapshot{stats: s.Stats(), members: ms, state: s.State(), err: s.Err()}
}

// droppedOnly checks that between before and after exactly one datagram of
// size bytes (as read) came in and was counted under exactly one Dropped
// reason, and that nothing else changed. It returns the reason's field
// name, or a description of what went wrong.
func droppedOnly(before, after snapshot, size int) (reason string, ok bool) {
	if after.state != before.state {
		return fmt.Sprintf("state %v -> %v", before.state, after.state), false
	}
	if after.err != before.err {
		return fmt.Sprintf("Err() %v -> %v", before.err, after.err), false
	}
	if !slices.Equal(before.members, after.members) {
		return fmt.Sprintf("members %v -> %v", before.members, after.members), false
	}
	want := before.stats
	want.DatagramsIn++
	want.BytesIn += uint64(size)
	bd := reflect.ValueOf(before.stats.Dropped)
	ad := reflect.ValueOf(after.stats.Dropped)
	var changed []string
	for i := range bd.NumField() {
		b, a := bd.Field(i).Uint(), ad.Field(i).Uint()
		if a == b {
			continue
		}
		changed = append(changed, bd.Type().Field(i).Name)
		if a != b+1 {
			return fmt.Sprintf("Dropped.%s %d -> %d", bd.Type().Field(i).Name, b, a), false
		}
	}
	if len(changed) != 1 {
		return fmt.Sprintf("Dropped fields changed: %v, want exactly one", changed), false
	}
	want.Dropped = after.stats.Dropped
	if want != after.stats {
		return "stats changed beyond the drop: " + statsDiff(want, after.stats), false
	}
	return changed[0], true
}

// statsDiff names the Stats fields that differ.
func statsDiff(want, got gossip.Stats) string {
	w, g := reflect.ValueOf(want), reflect.ValueOf(got)
	s := ""
	for i := range w.NumField() {
		if !reflect.DeepEqual(w.Field(i).Interface(), g.Field(i).Interface()) {
			s += fmt.Sprintf(" %s: want %v, got %v;", w.Type().Field(i).Name, w.Field(i).Interface(), g.Field(i).Interface())
		}
	}
	return s
}

// checkBounds fails if a service holds more than its Config allows.
func checkBounds(tb testing.TB, s *gossip.GossipService, cfg gossip.Config, when string) {
	tb.Helper()
	st := s.Stats()
	switch {
	case s.NumMembers() > cfg.MaxMembers:
		tb.Fatalf("%s: %d members, MaxMembers %d", when, s.NumMembers(), cfg.MaxMembers)
	case st.QueueMessages > cfg.MaxOutboundMessages:
		tb.Fatalf("%s: %d queued messages, MaxOutboundMessages %d", when, st.QueueMessages, cfg.MaxOutboundMessages)
	case st.DataLogBytes > cfg.DataLogBytes:
		tb.Fatalf("%s: data log holds %d bytes, DataLogBytes %d", when, st.DataLogBytes, cfg.DataLogBytes)
	case st.Origins > cfg.MaxOrigins:
		tb.Fatalf("%s: %d origins, MaxOrigins %d", when, st.Origins, cfg.MaxOrigins)
	}
}

// checkAllBounds checks every node of the cluster that is still driven.
func (c *cluster) checkAllBounds(when string) {
	c.t.Helper()
	cfg := c.cfgOf()
	for _, n := range c.nodes {
		if !n.down && n.svc.State() != gossip.Destroyed {
			checkBounds(c.t, n.svc, cfg, when)
		}
	}
}

// key names one payload in tnode.got.
func key(origin gossip.NodeID, seq uint32) string { return fmt.Sprintf("%v/%d", origin, seq) }

// checkDisseminates sends a new payload from the given node and checks
// that, within d of virtual time, every other connected node got it
// exactly once. It is the "the cluster still works" check after a flood.
func (c *cluster) checkDisseminates(from *tnode, payload string, d time.Duration) {
	c.t.Helper()
	if err := from.svc.SendData([]byte(payload)); err != nil {
		c.t.Fatalf("SendData after the flood: %v", err)
	}
	st := from.svc.Stats()
	k := key(from.svc.ID(), uint32(st.DataOriginated))
	step := 100 * time.Millisecond
	for waited := time.Duration(0); ; waited += step {
		missing := 0
		for _, n := range c.nodes {
			if n != from && !n.down && n.got[k] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if waited >= d {
			c.t.Fatalf("%d nodes still lack the payload sent after the flood, %v later", missing, d)
		}
		c.run(step)
	}
	c.run(2 * time.Second) // anything late would be a second delivery
	for i, n := range c.nodes {
		if n == from || n.down {
			continue
		}
		if n.got[k] != 1 {
			c.t.Fatalf("node %d got the payload sent after the flood %d times, want 1", i, n.got[k])
		}
	}
}
