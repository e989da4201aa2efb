//go:build unix

package gossip_test

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// loop drives services the way the package documentation tells a caller
// to: Tick for the timeout, unix.Poll on every FD, Receive, Send. It
// returns when done reports true, or fails the test at the deadline.
func loop(t *testing.T, svcs []*gossip.GossipService, deadline time.Duration, done func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	fds := make([]unix.PollFd, len(svcs))
	for time.Now().Before(end) {
		if done() {
			return
		}
		wait := 50 * time.Millisecond
		for i, s := range svcs {
			wait = min(wait, s.Tick())
			fds[i] = unix.PollFd{Fd: int32(s.FD()), Events: unix.POLLIN}
		}
		if _, err := unix.Poll(fds, int(wait.Milliseconds())); err != nil && err != unix.EINTR {
			t.Fatalf("poll: %v", err)
		}
		for _, s := range svcs {
			if _, err := s.Receive(); err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if _, err := s.Send(); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
	}
	t.Fatalf("not done within %v", deadline)
}

func TestFiveNodesOverUDP(t *testing.T) {
	if testing.Short() {
		t.Skip("real sockets")
	}
	got := make([]map[string]int, 5)
	var svcs []*gossip.GossipService
	for i := range 5 {
		cfg := gossip.DefaultConfig()
		cfg.TickInterval = 50 * time.Millisecond
		cfg.RetryInterval = 100 * time.Millisecond
		got[i] = map[string]int{}
		m := got[i]
		cfg.OnData = func(origin gossip.NodeID, seq uint32, p []byte) { m[string(p)]++ }
		s, err := gossip.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		svcs = append(svcs, s)
	}
	if err := svcs[0].Join(); err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs[1:] {
		if err := s.Join(svcs[0].Addr()); err != nil {
			t.Fatal(err)
		}
	}
	loop(t, svcs, 10*time.Second, func() bool {
		for _, s := range svcs {
			if s.State() != gossip.Connected || s.NumMembers() != 4 {
				return false
			}
		}
		return true
	})
	for i, s := range svcs {
		if err := s.SendData([]byte(fmt.Sprintf("payload %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	loop(t, svcs, 10*time.Second, func() bool {
		for _, m := range got {
			if len(m) != 4 {
				return false
			}
		}
		return true
	})
	for i, m := range got {
		for p, n := range m {
			if n != 1 {
				t.Fatalf("node %d got %q %d times", i, p, n)
			}
		}
		if m[fmt.Sprintf("payload %d", i)] != 0 {
			t.Fatalf("node %d got its own payload", i)
		}
	}
	leaver := svcs[4]
	if err := leaver.Leave(); err != nil {
		t.Fatal(err)
	}
	if _, err := leaver.Send(); err != nil {
		t.Fatal(err)
	}
	rest := svcs[:4]
	loop(t, rest, 10*time.Second, func() bool {
		for _, s := range rest {
			if s.NumMembers() != 3 {
				return false
			}
		}
		return true
	})
}
