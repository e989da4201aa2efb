package runner_test

import (
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/runner"
)

// TestChurnKeepsTheRunnerBounded forges member churn over real UDP, as
// the unsealed protocol lets anyone do: from one socket, a Hello with a
// new id (a member joins), then that member's Leave (it leaves), over and
// over. Nobody reads Events (they are dropped and counted) and a reader
// asks for Members now and then. After a warm-up the heap must stay
// flat: the runner holds nothing per event.
func TestChurnKeepsTheRunnerBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures are not meaningful under the race detector")
	}
	events := 40_000
	if testing.Short() {
		events = 8_000
	}
	c := startCluster(t, 1, runner.Options{}, nil)
	r := c.runners[0]
	port, err := r.Addr().ValueForProtocol(multiaddr.P_UDP)
	if err != nil {
		t.Fatal(err)
	}
	target, err := net.ResolveUDPAddr("udp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	self := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	self = netip.AddrPortFrom(self.Addr().Unmap(), self.Port())
	go drainUDP(conn) // the runner's Welcomes and Acks

	buf := make([]byte, 512)
	send := func(m interface {
		Encode([]byte, uint32) (int, error)
	}, seq uint32) {
		n, err := m.Encode(buf, seq)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteToUDP(buf[:n], target); err != nil {
			t.Fatal(err)
		}
	}
	churn := func(from, to int) {
		for i := from; i < to; i++ {
			id := uint64(1)<<40 + uint64(i)
			m := message.Member{ID: id, Addr: self}
			send(&message.Hello{Member: m}, uint32(2*i+1))
			eventually(t, 5*time.Second, "the forged member joins", func() bool { return r.Stats().MembersAdded > uint64(i) })
			send(&message.Leave{Member: m}, uint32(2*i+2))
			if i%1000 == 0 {
				_ = r.Members()
			}
		}
		eventually(t, 5*time.Second, "the last forged member leaves", func() bool { return r.Stats().MembersLeft == uint64(to) })
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	churn(0, events/4)
	before := heap()
	churn(events/4, events/2) // a join and a leave each: events in all
	after := heap()
	st := r.Stats()
	t.Logf("heap after %d events: %d bytes; after %d: %d (%+d); events delivered %d, dropped %d",
		events/2, before, events, after, int64(after)-int64(before), st.Events, st.EventsDropped)
	if growth := int64(after) - int64(before); growth > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d churn events, want < 1 MiB", growth, events/2)
	}
	if len(r.Members()) != 0 {
		t.Errorf("%d members left after every forged member left", len(r.Members()))
	}
}

// drainUDP reads and discards until the socket is closed.
func drainUDP(c *net.UDPConn) {
	b := make([]byte, 2048)
	for {
		if _, _, err := c.ReadFromUDP(b); err != nil {
			return
		}
	}
}
