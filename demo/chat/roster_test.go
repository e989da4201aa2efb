package main

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// TestRosterStaysBoundedUnderChurn: 120,000 join and leave events, the
// churn that grew the chat by 25 MiB, leave the roster as small as the
// member table; joins whose departures were never seen (dropped events)
// never take it past twice the table's bound, and the heap stays flat.
func TestRosterStaysBoundedUnderChurn(t *testing.T) {
	const maxMembers = 1024
	ro := newRoster(maxMembers)
	ev := func(kind gossip.MemberEventKind, i int) gossip.MemberEvent {
		a := multiaddr.StringCast(fmt.Sprintf("/ip4/127.%d.%d.%d/udp/%d", i>>16&255, i>>8&255, i&255, 1000+i%50000))
		return gossip.MemberEvent{Kind: kind, Member: gossip.Member{ID: gossip.NodeID(uint64(1)<<40 + uint64(i)), Addr: a}}
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for i := range 60_000 { // 120,000 events
		ro.apply(ev(gossip.MemberJoined, i))
		ro.apply(ev(gossip.MemberLeft, i))
	}
	if n := len(ro.names); n != 0 {
		t.Errorf("%d names after every member left, want 0", n)
	}

	warm := heap()
	for i := range 120_000 { // joins only: every departure was dropped
		ro.apply(ev(gossip.MemberJoined, i))
		if len(ro.names) > 2*maxMembers {
			t.Fatalf("%d names after %d joins, want at most %d", len(ro.names), i+1, 2*maxMembers)
		}
	}
	if growth := int64(heap()) - int64(warm); growth > 2<<20 {
		t.Errorf("heap grew by %d bytes over 120,000 joins, want well under the 25 MiB it once took", growth)
	}
}
