//go:build unix

package udp

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/transport"
)

// listenOpts are the Options listen uses: families sets them for each
// run. The tests of this package do not run in parallel.
var listenOpts Options

// families runs f on IPv4 and on IPv6 loopback, skipping IPv6 when ::1
// cannot be bound, each with the default (batched) Options and with
// batching turned off.
func families(t *testing.T, f func(t *testing.T, addr netip.AddrPort)) {
	for _, m := range []struct {
		name string
		opts Options
	}{{"batched", Options{}}, {"unbatched", Options{ReadBatch: 1, WriteBatch: 1}}} {
		t.Run(m.name, func(t *testing.T) {
			listenOpts = m.opts
			defer func() { listenOpts = Options{} }()
			t.Run("ip4", func(t *testing.T) { f(t, loop4) })
			t.Run("ip6", func(t *testing.T) {
				skipNoIPv6(t)
				f(t, loop6)
			})
		})
	}
}

// send writes b to to and flushes it, returning the first error.
func send(c *Conn, b []byte, to netip.AddrPort) error {
	if err := c.WriteTo(b, to); err != nil {
		return err
	}
	return c.Flush()
}

func skipNoIPv6(tb testing.TB) {
	tb.Helper()
	c, err := Listen(loop6, Options{})
	if err != nil {
		tb.Skipf("cannot bind ::1: %v", err)
	}
	c.Close()
}

func listen(tb testing.TB, addr netip.AddrPort) *Conn {
	tb.Helper()
	c, err := Listen(addr, listenOpts)
	if err != nil {
		tb.Fatalf("Listen(%v): %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// pollFor waits until fd is readable (or, with wantErr, has a pending
// error) or the timeout passes.
func pollFor(tb testing.TB, fd int, wantErr bool, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	// The field types of PollFd differ between systems; assigning the
	// untyped constants keeps this portable.
	fds := []unix.PollFd{{Fd: int32(fd)}}
	if wantErr {
		fds[0].Events = unix.POLLERR
	} else {
		fds[0].Events = unix.POLLIN
	}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			tb.Fatalf("fd %d: not ready (wantErr=%v) within %v", fd, wantErr, timeout)
		}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			tb.Fatalf("poll: %v", err)
		}
		if n == 0 {
			continue
		}
		if wantErr && fds[0].Revents&unix.POLLERR == 0 {
			tb.Fatalf("poll: revents %#x; want POLLERR", fds[0].Revents)
		}
		return
	}
}

// recv reads one datagram, polling for it for up to five seconds.
func recv(tb testing.TB, c *Conn, b []byte) (int, netip.AddrPort) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, from, err := c.ReadFrom(b)
		if err == nil {
			return n, from
		}
		if !errors.Is(err, transport.ErrWouldBlock) {
			tb.Fatalf("ReadFrom: %v", err)
		}
		pollFor(tb, c.FD(), false, time.Until(deadline))
	}
}

func TestListenPicksPort(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		c := listen(t, addr)
		la := c.LocalAddr()
		if la.Port() == 0 {
			t.Fatalf("LocalAddr() = %v: port 0", la)
		}
		if la.Addr() != addr.Addr() {
			t.Fatalf("LocalAddr() = %v; want address %v", la, addr.Addr())
		}
		if c.FD() < 0 {
			t.Fatalf("FD() = %d", c.FD())
		}
		fl, err := unix.FcntlInt(uintptr(c.FD()), unix.F_GETFL, 0)
		if err != nil || fl&unix.O_NONBLOCK == 0 {
			t.Fatalf("F_GETFL = %#x, %v: socket is not non-blocking", fl, err)
		}
		fd, err := unix.FcntlInt(uintptr(c.FD()), unix.F_GETFD, 0)
		if err != nil || fd&unix.FD_CLOEXEC == 0 {
			t.Fatalf("F_GETFD = %#x, %v: socket is not close-on-exec", fd, err)
		}
		if addr.Addr().Is6() {
			v, err := unix.GetsockoptInt(c.FD(), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
			if err != nil || v != 1 {
				t.Fatalf("IPV6_V6ONLY = %d, %v; want 1", v, err)
			}
		}
	})
}

func TestExchange(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		buf := make([]byte, 1500)

		for i, dir := range []struct {
			from, to *Conn
			msg      string
		}{
			{a, b, "ping from a"},
			{b, a, "pong from b"},
			{a, b, "again from a"},
		} {
			if err := send(dir.from, []byte(dir.msg), dir.to.LocalAddr()); err != nil {
				t.Fatalf("%d: WriteTo: %v", i, err)
			}
			n, from := recv(t, dir.to, buf)
			if got := string(buf[:n]); got != dir.msg {
				t.Fatalf("%d: got %q; want %q", i, got, dir.msg)
			}
			if from != dir.from.LocalAddr() {
				t.Fatalf("%d: from %v; want %v", i, from, dir.from.LocalAddr())
			}
		}
	})
}

func TestEmptyDatagram(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		if err := send(a, nil, b.LocalAddr()); err != nil {
			t.Fatalf("WriteTo(nil): %v", err)
		}
		n, from := recv(t, b, make([]byte, 16))
		if n != 0 || from != a.LocalAddr() {
			t.Fatalf("ReadFrom = %d, %v; want 0, %v", n, from, a.LocalAddr())
		}
	})
}

func TestReadFromEmptyWouldBlock(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		c := listen(t, addr)
		start := time.Now()
		n, from, err := c.ReadFrom(make([]byte, 64))
		if !errors.Is(err, transport.ErrWouldBlock) || n != 0 || from.IsValid() {
			t.Fatalf("ReadFrom on empty socket = %d, %v, %v; want ErrWouldBlock", n, from, err)
		}
		// "Immediately": a blocking read would hang forever, so anything
		// short proves the point; the bound is loose for slow CI machines.
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ReadFrom took %v", d)
		}
	})
}

func TestTruncation(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		big := bytes.Repeat([]byte("0123456789"), 50) // 500 bytes
		if err := send(a, big, b.LocalAddr()); err != nil {
			t.Fatalf("WriteTo: %v", err)
		}
		small := make([]byte, 33)
		n, _ := recv(t, b, small)
		if n != len(small) || !bytes.Equal(small, big[:len(small)]) {
			t.Fatalf("ReadFrom = %d, %q; want %d, %q", n, small[:n], len(small), big[:len(small)])
		}
		// The rest of the datagram is gone.
		if _, _, err := b.ReadFrom(small); !errors.Is(err, transport.ErrWouldBlock) {
			t.Fatalf("second ReadFrom: %v; want ErrWouldBlock", err)
		}
	})
}

func TestClose(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		la := b.LocalAddr()
		if err := b.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, _, err := b.ReadFrom(make([]byte, 8)); !errors.Is(err, transport.ErrClosed) {
			t.Fatalf("ReadFrom after Close: %v; want ErrClosed", err)
		}
		if err := b.WriteTo([]byte("x"), a.LocalAddr()); !errors.Is(err, transport.ErrClosed) {
			t.Fatalf("WriteTo after Close: %v; want ErrClosed", err)
		}
		if err := b.Close(); !errors.Is(err, transport.ErrClosed) {
			t.Fatalf("second Close: %v; want ErrClosed", err)
		}
		if fd := b.FD(); fd != -1 {
			t.Fatalf("FD after Close = %d; want -1", fd)
		}
		if got := b.LocalAddr(); got != la {
			t.Fatalf("LocalAddr after Close = %v; want %v", got, la)
		}
	})
}

func TestAddrInUse(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a := listen(t, addr)
		c, err := Listen(a.LocalAddr(), Options{})
		if err == nil {
			c.Close()
			t.Fatalf("second Listen(%v) succeeded", a.LocalAddr())
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			t.Fatalf("second Listen(%v): %v; want EADDRINUSE", a.LocalAddr(), err)
		}
	})
}

func TestListenInvalid(t *testing.T) {
	for _, addr := range []netip.AddrPort{
		{},
		netip.MustParseAddrPort("[::ffff:127.0.0.1]:0"),
		netip.MustParseAddrPort("[::1%lo]:0"),
	} {
		c, err := Listen(addr, Options{})
		if err == nil {
			c.Close()
			t.Errorf("Listen(%v) succeeded", addr)
			continue
		}
		if !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("Listen(%v): %v; want ErrInvalidAddress", addr, err)
		}
	}
}

func TestListenBuffers(t *testing.T) {
	c, err := Listen(loop4, Options{ReadBuffer: 64 << 10, WriteBuffer: 32 << 10})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer c.Close()
	// Best effort: the kernel may clamp or (Linux) double the value, so
	// only check that something at least as large as a page took effect.
	for _, opt := range []int{unix.SO_RCVBUF, unix.SO_SNDBUF} {
		v, err := unix.GetsockoptInt(c.FD(), unix.SOL_SOCKET, opt)
		if err != nil || v < 4096 {
			t.Errorf("getsockopt(%d) = %d, %v", opt, v, err)
		}
	}
	// Absurd sizes are not an error.
	c2, err := Listen(loop4, Options{ReadBuffer: 1 << 30, WriteBuffer: -1})
	if err != nil {
		t.Fatalf("Listen with huge buffers: %v", err)
	}
	c2.Close()
}

func TestWriteToWrongFamily(t *testing.T) {
	c4 := listen(t, loop4)
	for _, to := range []netip.AddrPort{
		netip.MustParseAddrPort("[::1]:9"),
		netip.MustParseAddrPort("[::ffff:127.0.0.1]:9"),
		netip.MustParseAddrPort("127.0.0.1:0"),
		{},
	} {
		if err := c4.WriteTo([]byte("x"), to); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("IPv4 socket WriteTo(%v): %v; want ErrInvalidAddress", to, err)
		}
	}

	skipNoIPv6(t)
	c6 := listen(t, loop6)
	for _, to := range []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:9"),
		netip.MustParseAddrPort("[::ffff:127.0.0.1]:9"),
		netip.MustParseAddrPort("[::1%lo]:9"),
		netip.MustParseAddrPort("[::1]:0"),
	} {
		if err := c6.WriteTo([]byte("x"), to); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("IPv6 socket WriteTo(%v): %v; want ErrInvalidAddress", to, err)
		}
	}
	// The socket is still fine afterwards.
	peer := listen(t, loop6)
	if err := send(c6, []byte("ok"), peer.LocalAddr()); err != nil {
		t.Fatalf("WriteTo after refused destinations: %v", err)
	}
	if n, _ := recv(t, peer, make([]byte, 8)); n != 2 {
		t.Fatalf("got %d bytes; want 2", n)
	}
}

// roundTrip sends msg from a to b and reads it back into buf, polling only
// if the datagram has not arrived yet. It reports failure through ok so
// that the allocation test does not allocate on success.
func roundTrip(a, b *Conn, msg, buf []byte, fds []unix.PollFd) (ok bool) {
	if err := send(a, msg, b.LocalAddr()); err != nil {
		return false
	}
	for {
		n, _, err := b.ReadFrom(buf)
		if err == nil {
			return n == len(msg)
		}
		if err != transport.ErrWouldBlock {
			return false
		}
		if _, err := unix.Poll(fds, 5000); err != nil && err != unix.EINTR {
			return false
		}
	}
}

func TestNoAllocs(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		msg := bytes.Repeat([]byte{0xab}, 200)
		buf := make([]byte, 1500)
		fds := []unix.PollFd{{Fd: int32(b.FD())}}
		fds[0].Events = unix.POLLIN
		failed := false

		allocs := testing.AllocsPerRun(1000, func() {
			if !roundTrip(a, b, msg, buf, fds) {
				failed = true
			}
		})
		if failed {
			t.Fatal("round trip failed")
		}
		if allocs != 0 && !allocsAllowed {
			t.Errorf("WriteTo+ReadFrom: %v allocations per round; want 0", allocs)
		}
		t.Logf("WriteTo+ReadFrom: %v allocs/round", allocs)

		allocs = testing.AllocsPerRun(1000, func() {
			if _, _, err := b.ReadFrom(buf); err != transport.ErrWouldBlock {
				failed = true
			}
		})
		if failed {
			t.Fatal("ReadFrom on an empty socket did not return ErrWouldBlock")
		}
		if allocs != 0 && !allocsAllowed {
			t.Errorf("ReadFrom returning ErrWouldBlock: %v allocations; want 0", allocs)
		}
		t.Logf("ReadFrom returning ErrWouldBlock: %v allocs/call", allocs)
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	for _, bc := range []struct {
		name string
		addr netip.AddrPort
		size int
	}{
		{"ip4/64B", loop4, 64},
		{"ip4/1200B", loop4, 1200},
		{"ip6/64B", loop6, 64},
		{"ip6/1200B", loop6, 1200},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.addr.Addr().Is6() {
				skipNoIPv6(b)
			}
			x, y := listen(b, bc.addr), listen(b, bc.addr)
			msg := make([]byte, bc.size)
			buf := make([]byte, 1500)
			fds := []unix.PollFd{{Fd: int32(y.FD())}}
			fds[0].Events = unix.POLLIN
			b.SetBytes(int64(bc.size))
			b.ReportAllocs()
			for b.Loop() {
				if !roundTrip(x, y, msg, buf, fds) {
					b.Fatal("round trip failed")
				}
			}
		})
	}
}
