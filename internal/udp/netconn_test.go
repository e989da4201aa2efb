package udp

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip/transport"
)

var (
	loop4 = netip.MustParseAddrPort("127.0.0.1:0")
	loop6 = netip.MustParseAddrPort("[::1]:0")
)

func listenNet(tb testing.TB, addr netip.AddrPort) *NetConn {
	tb.Helper()
	c, err := ListenNet(addr, Options{})
	if err != nil {
		tb.Fatalf("ListenNet(%v): %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// recvNet waits for and reads one datagram, for up to five seconds.
func recvNet(tb testing.TB, c *NetConn, b []byte) (int, netip.AddrPort) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := c.Wait(time.Until(deadline)); err != nil {
			tb.Fatalf("Wait: %v", err)
		}
		n, from, err := c.ReadFrom(b)
		if err == nil {
			return n, from
		}
		if !errors.Is(err, transport.ErrWouldBlock) {
			tb.Fatalf("ReadFrom: %v", err)
		}
	}
	tb.Fatal("no datagram within 5s")
	return 0, netip.AddrPort{}
}

func TestNetConnExchange(t *testing.T) {
	for _, addr := range []netip.AddrPort{loop4, loop6} {
		t.Run(addr.Addr().String(), func(t *testing.T) {
			if addr.Addr().Is6() {
				if c, err := ListenNet(addr, Options{}); err != nil {
					t.Skipf("cannot bind ::1: %v", err)
				} else {
					c.Close()
				}
			}
			a, b := listenNet(t, addr), listenNet(t, addr)
			if a.LocalAddr().Port() == 0 || a.FD() != -1 {
				t.Fatalf("LocalAddr %v, FD %d", a.LocalAddr(), a.FD())
			}
			buf := make([]byte, 64)
			for i, msg := range []string{"ping", "pong", "again"} {
				from, to := a, b
				if i%2 == 1 {
					from, to = b, a
				}
				if err := from.WriteTo([]byte(msg), to.LocalAddr()); err != nil {
					t.Fatalf("WriteTo: %v", err)
				}
				n, src := recvNet(t, to, buf)
				if string(buf[:n]) != msg || src != from.LocalAddr() {
					t.Fatalf("got %q from %v; want %q from %v", buf[:n], src, msg, from.LocalAddr())
				}
			}
		})
	}
}

func TestNetConnReadsWithoutWait(t *testing.T) {
	a, b := listenNet(t, loop4), listenNet(t, loop4)
	buf := make([]byte, 64)
	if _, _, err := b.ReadFrom(buf); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("ReadFrom on an empty socket: %v; want ErrWouldBlock", err)
	}
	for _, m := range []string{"one", "two"} {
		if err := a.WriteTo([]byte(m), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	// Loopback has delivered both by now; ReadFrom alone drains them.
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		n, _, err := b.ReadFrom(buf)
		if err == nil {
			got = append(got, string(buf[:n]))
		} else if !errors.Is(err, transport.ErrWouldBlock) {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Fatalf("got %q; want [one two]", got)
	}
}

func TestNetConnTruncation(t *testing.T) {
	a, b := listenNet(t, loop4), listenNet(t, loop4)
	big := bytes.Repeat([]byte("0123456789"), 50)
	if err := a.WriteTo(big, b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 33)
	if n, _ := recvNet(t, b, small); n != len(small) || !bytes.Equal(small, big[:33]) {
		t.Fatalf("ReadFrom = %d; want %d, truncated", n, len(small))
	}
}

func TestNetConnWaitWakesForADatagram(t *testing.T) {
	a, b := listenNet(t, loop4), listenNet(t, loop4)
	if err := a.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(time.Minute); err != nil { // returns as soon as it is there
		t.Fatal(err)
	}
	if !b.Buffered() {
		t.Fatal("Buffered() = false after Wait found a datagram")
	}
	if err := b.Wait(time.Minute); err != nil { // still held: at once
		t.Fatal(err)
	}
	n, _, err := b.ReadFrom(make([]byte, 4))
	if err != nil || n != 1 || b.Buffered() {
		t.Fatalf("ReadFrom = %d, %v, Buffered %v", n, err, b.Buffered())
	}
}

func TestNetConnWakeInterruptsWait(t *testing.T) {
	c := listenNet(t, loop4)
	done := make(chan error)
	go func() { done <- c.Wait(time.Minute) }()
	// Wake until the Wait returns: a Wake before the Wait started is kept
	// for it, one during it ends it, so either way it returns.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		c.Wake()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-deadline:
			t.Fatal("Wait did not return after Wake")
		case <-tick.C:
		}
	}
}

func TestNetConnWakeBeforeWait(t *testing.T) {
	c := listenNet(t, loop4)
	c.Wake()
	if err := c.Wait(time.Hour); err != nil { // the test would time out if it slept
		t.Fatal(err)
	}
	// Consumed: with nothing else, a short Wait now times out.
	if err := c.Wait(time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

func TestNetConnCloseAndBadAddresses(t *testing.T) {
	c := listenNet(t, loop4)
	for _, to := range []netip.AddrPort{{}, netip.MustParseAddrPort("[::1]:9"), netip.MustParseAddrPort("127.0.0.1:0")} {
		if err := c.WriteTo([]byte("x"), to); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("WriteTo(%v): %v; want ErrInvalidAddress", to, err)
		}
	}
	if _, err := ListenNet(netip.MustParseAddrPort("[::ffff:127.0.0.1]:0"), Options{}); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("ListenNet(v4-mapped): %v; want ErrInvalidAddress", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.Wake() // harmless after Close
	if _, _, err := c.ReadFrom(make([]byte, 4)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("ReadFrom after Close: %v", err)
	}
	if err := c.WriteTo([]byte("x"), loop4); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("WriteTo after Close: %v", err)
	}
	if err := c.Wait(time.Second); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Wait after Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}
