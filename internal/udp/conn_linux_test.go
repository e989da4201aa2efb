//go:build linux

package udp

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/transport"
)

// Linux reports ICMP errors to an unconnected UDP socket only when
// IP_RECVERR is set; the test sets it to make the kernel deliver the
// ECONNREFUSED that other systems (or a connected socket) would give, and
// checks that it does not break the Conn.
func TestConnRefusedNotFatal(t *testing.T) {
	c := listen(t, loop4)
	peer := listen(t, loop4)
	if err := unix.SetsockoptInt(c.FD(), unix.IPPROTO_IP, unix.IP_RECVERR, 1); err != nil {
		t.Skipf("IP_RECVERR: %v", err)
	}

	// A port that was just free: nobody listens on it any more.
	gone := listen(t, loop4)
	dead := gone.LocalAddr()
	gone.Close()

	refuse := func() {
		t.Helper()
		if err := send(c, []byte("to nobody"), dead); err != nil {
			t.Fatalf("WriteTo(%v): %v", dead, err)
		}
		pollFor(t, c.FD(), true, 5*time.Second)
	}

	// Reported by the next write (WriteTo, or Flush where writes are
	// batched)...
	refuse()
	err := send(c, []byte("lost"), peer.LocalAddr())
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("WriteTo after ICMP: %v; want ECONNREFUSED", err)
	}
	if err := send(c, []byte("hello"), peer.LocalAddr()); err != nil {
		t.Fatalf("WriteTo after ECONNREFUSED: %v", err)
	}
	buf := make([]byte, 16)
	if n, _ := recv(t, peer, buf); string(buf[:n]) != "hello" {
		t.Fatalf("peer got %q; want %q", buf[:n], "hello")
	}

	// ...or by the next ReadFrom.
	refuse()
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("ReadFrom after ICMP: %v; want ECONNREFUSED", err)
	}
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("second ReadFrom: %v; want ErrWouldBlock", err)
	}
	if err := send(peer, []byte("back"), c.LocalAddr()); err != nil {
		t.Fatalf("peer WriteTo: %v", err)
	}
	if n, from := recv(t, c, buf); string(buf[:n]) != "back" || from != peer.LocalAddr() {
		t.Fatalf("ReadFrom = %q from %v; want %q from %v", buf[:n], from, "back", peer.LocalAddr())
	}
}
