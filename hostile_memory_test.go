package gossip_test

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/tickgossip/gossip"
	"time"
)

// TestHeapStaysFlatUnderMillionsOfDatagrams runs one node of a cluster
// through millions of hostile and ordinary datagrams (Data from three
// times MaxOrigins origins, Acks, Status, Hellos and member lists from
// thousands of strangers, Leaves, Welcomes, garbage) while virtual time
// passes, so that every bounded structure fills, churns and evicts: the
// member table, the tombstones, the version vector, the data log, the
// outbound queue. After a warm-up that fills them, the heap must not
// grow: what the cluster holds is bounded by Config, not by traffic.
func TestHeapStaysFlatUnderMillionsOfDatagrams(t *testing.T) {
	if raceEnabled {
		t.Skip("too slow under the race detector; the floods run there")
	}
	total := 2_000_000
	if testing.Short() {
		total = 300_000
	}
	warm := total / 4 // a multiple of batch, as total is
	// MaxOrigins below its default only for speed: a full vector's
	// eviction costs O(MaxOrigins), and this run evicts a million times.
	c := startCluster(t, 5, func(cfg *gossip.Config) { cfg.MaxOrigins = 1024 })
	// A socket-buffer-sized inbox: the network's rings keep their
	// high-water size, so an unbounded backlog would be the harness's
	// memory growing, not the services'. 256 is reached in the warm-up.
	c.net.InboxLimit = 256
	target := c.nodes[0]
	senders := strangers(5000)
	for _, n := range c.nodes {
		for range 100 { // members send a good share
			senders = append(senders, addrOf(n))
		}
	}
	f := newForger(3, senders, 3*c.cfgOf().MaxOrigins)
	var heap [2]uint64
	measure := func() uint64 {
		for _, n := range c.nodes { // the harness's own records, not the service's
			n.got = map[string]int{}
			n.events = nil
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// Fill every node's version vector and data log to their bounds
	// first: the other nodes only see what the target passes on, so they
	// would otherwise still be filling them, within bounds, at the end.
	for _, n := range c.nodes {
		origins := 2 * c.cfgOf().MaxOrigins
		c.flood(n, origins, func(i int) (netip.AddrPort, []byte) {
			return senders[i%len(senders)], f.data(f.origins[i%len(f.origins)], 1)
		}, nil)
	}
	c.run(time.Second)
	before := target.svc.Stats()
	c.flood(target, total, func(int) (netip.AddrPort, []byte) { return f.sender(), f.datagram() }, func(i int) {
		switch i {
		case warm:
			heap[0] = measure()
		case total:
			heap[1] = measure()
		}
	})
	st := target.svc.Stats()
	growth := int64(heap[1]) - int64(heap[0])
	t.Logf("HeapAlloc after %d datagrams of warm-up: %d bytes; after %d: %d bytes; growth %+d bytes",
		warm, heap[0], total, heap[1], growth)
	t.Logf("target: members %d (added %d, refused %d, failed %d, replaced %d), origins %d (evicted %d), log %d bytes (evicted %d), queue %d (evicted %d), dropped %d, delivered %d",
		target.svc.NumMembers(), st.MembersAdded-before.MembersAdded, st.MembersRefused, st.MembersFailed, st.MembersReplaced,
		st.Origins, st.OriginsEvicted, st.DataLogBytes, st.DataLogEvicted, st.QueueMessages, st.Evicted,
		st.Dropped.Total(), st.DataDelivered)
	if growth > 1<<20 {
		t.Fatalf("heap grew by %d bytes after warm-up, want < 1 MiB", growth)
	}
	for name, v := range map[string]uint64{"OriginsEvicted": st.OriginsEvicted, "DataLogEvicted": st.DataLogEvicted,
		"MembersReplaced": st.MembersReplaced, "MembersRefused": st.MembersRefused, "Evicted": st.Evicted} {
		if v == 0 {
			t.Errorf("the run never churned the structure behind %s", name)
		}
	}
}
