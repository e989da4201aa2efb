package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/tickgossip/gossip/transport"
)

// NetConn is the portable transport, on the standard library's
// net.UDPConn: Listen's where package unix has no poll (Windows), and
// usable everywhere. It has no descriptor to poll (FD returns -1): the
// caller waits for datagrams with Wait, which sleeps in the Go runtime's
// network poller until a datagram arrives, the wait is over, or another
// goroutine calls Wake. It starts no goroutine.
//
// Package net has no non-blocking read or write, so NetConn bounds each
// call with a deadline instead: a ReadFrom that finds nothing waiting
// returns ErrWouldBlock after at most DrainWait, and a WriteTo that finds
// the send buffer full returns ErrWouldBlock after at most DrainWait. Each
// ReadFrom and WriteTo sets a deadline, which costs a runtime timer
// update; a datagram costs one system call as on the unbatched path.
//
// ReadFrom and WriteTo do not allocate once warm (net.UDPConn's
// AddrPort methods do not), except for the error of a timed-out read,
// which the runtime allocates on some systems.
type NetConn struct {
	conn  *net.UDPConn
	local netip.AddrPort
	v4    bool

	closed atomic.Bool
	woken  atomic.Bool // a Wake that no Wait has consumed yet

	// One datagram read by Wait, for the next ReadFrom. The buffer holds
	// the largest UDP datagram, so that its true length is known.
	held     []byte
	heldN    int
	heldFrom netip.AddrPort
	has      bool
}

// DrainWait bounds how long NetConn's ReadFrom and WriteTo may wait
// (see NetConn).
const DrainWait = 100 * time.Microsecond

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

var (
	_ transport.Transport = (*NetConn)(nil)
	_ transport.Waiter    = (*NetConn)(nil)
	_ transport.Buffered  = (*NetConn)(nil)
)

// ListenNet opens a NetConn bound to addr, with the same rules as Listen:
// an IPv4 address gives an IPv4 socket, an IPv6 one a v6-only socket
// (IPv4-mapped addresses are refused with ErrInvalidAddress), port 0
// picks a free port. Options.ReadBuffer and WriteBuffer are applied best
// effort; the batch sizes are ignored. Errors from the system wrap the
// operating system's error.
func ListenNet(addr netip.AddrPort, opts Options) (*NetConn, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("udp: listen on zero address: %w", ErrInvalidAddress)
	}
	ip := addr.Addr()
	if ip.Is4In6() {
		return nil, fmt.Errorf("udp: listen on %s: IPv4-mapped address on a v6-only socket: %w", addr, ErrInvalidAddress)
	}
	if _, err := zoneIndex(ip.Zone()); err != nil {
		return nil, fmt.Errorf("udp: listen on %s: %w", addr, err)
	}
	network := "udp6"
	if ip.Is4() {
		network = "udp4"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return nil, fmt.Errorf("udp: listen on %s: %w", addr, err)
	}
	if opts.ReadBuffer > 0 {
		_ = conn.SetReadBuffer(opts.ReadBuffer)
	}
	if opts.WriteBuffer > 0 {
		_ = conn.SetWriteBuffer(opts.WriteBuffer)
	}
	if err := platformSetup(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("udp: listen on %s: %w", addr, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return &NetConn{conn: conn, local: netip.AddrPortFrom(local.Addr().Unmap(), local.Port()), v4: ip.Is4(), held: make([]byte, maxDatagram)}, nil
}

// ReadFrom returns the datagram Wait read, if any, and otherwise reads
// one, waiting at most DrainWait for it; ErrWouldBlock when none came.
// Truncation, closing and errors are as for Conn.ReadFrom.
func (c *NetConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if c.closed.Load() {
		return 0, netip.AddrPort{}, transport.ErrClosed
	}
	if !c.has {
		if err := c.read(time.Now().Add(DrainWait)); err != nil {
			return 0, netip.AddrPort{}, err
		}
		if !c.has {
			return 0, netip.AddrPort{}, transport.ErrWouldBlock
		}
	}
	c.has = false
	n := copy(b, c.held[:c.heldN])
	if c.heldN > len(b) {
		n = len(b)
	}
	return n, c.heldFrom, nil
}

// read reads one datagram into held, waiting until deadline. A timeout
// is not an error: has stays false.
func (c *NetConn) read(deadline time.Time) error {
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return c.opErr("set read deadline", err)
	}
	n, from, err := c.conn.ReadFromUDPAddrPort(c.held)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		return c.opErr("read", err)
	}
	c.keep(n, from)
	return nil
}

// keep records a datagram read into held. An IPv4 socket's sources are
// IPv4 (package net may report them IPv4-mapped); an IPv6 socket's are
// reported as the system gives them, as Conn does.
func (c *NetConn) keep(n int, from netip.AddrPort) {
	if c.v4 {
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	}
	c.heldN, c.heldFrom, c.has = n, from, true
}

// WriteTo sends b as one datagram. The destination rules are Conn's: the
// socket's family only, no port 0, numeric zones. It returns
// ErrWouldBlock when the send buffer stayed full for DrainWait.
func (c *NetConn) WriteTo(b []byte, to netip.AddrPort) error {
	if c.closed.Load() {
		return transport.ErrClosed
	}
	if !to.IsValid() || to.Port() == 0 {
		return fmt.Errorf("udp: sendto %s: %w", to, ErrInvalidAddress)
	}
	ip := to.Addr()
	switch {
	case c.v4 && !ip.Is4():
		return fmt.Errorf("udp: sendto %s: IPv6 destination on an IPv4 socket: %w", to, ErrInvalidAddress)
	case !c.v4 && (ip.Is4() || ip.Is4In6()):
		return fmt.Errorf("udp: sendto %s: IPv4 destination on an IPv6 socket: %w", to, ErrInvalidAddress)
	}
	if _, err := zoneIndex(ip.Zone()); err != nil {
		return fmt.Errorf("udp: sendto %s: %w", to, err)
	}
	if err := c.conn.SetWriteDeadline(time.Now().Add(DrainWait)); err != nil {
		return c.opErr("set write deadline", err)
	}
	if _, err := c.conn.WriteToUDPAddrPort(b, to); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return transport.ErrWouldBlock
		}
		return fmt.Errorf("udp: sendto %s: %w", to, c.opErr("write", err))
	}
	return nil
}

// Wait blocks until a datagram has arrived, d has passed, or Wake is
// called (see transport.Waiter). The datagram it finds is the next
// ReadFrom's.
func (c *NetConn) Wait(d time.Duration) error {
	if c.closed.Load() {
		return transport.ErrClosed
	}
	if c.has || c.woken.Swap(false) || d <= 0 {
		return nil
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		return c.opErr("set read deadline", err)
	}
	// A Wake between the Swap above and the deadline just set would be
	// undone by it: look again. One after this moves the deadline back.
	if c.woken.Swap(false) {
		return nil
	}
	n, from, err := c.conn.ReadFromUDPAddrPort(c.held)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.woken.Store(false) // consumed, if it was a Wake
			return nil
		}
		return c.opErr("read", err)
	}
	c.keep(n, from)
	return nil
}

// Wake makes the Wait in progress return, or the next one. It is safe
// for concurrent use, also after Close.
func (c *NetConn) Wake() {
	c.woken.Store(true)
	_ = c.conn.SetReadDeadline(time.Unix(1, 0)) // in the past: the read in progress returns
}

// Buffered reports a datagram read by Wait and not yet returned.
func (c *NetConn) Buffered() bool { return c.has && !c.closed.Load() }

// LocalAddr returns the bound address, with the port chosen for port 0.
func (c *NetConn) LocalAddr() netip.AddrPort { return c.local }

// FD returns -1: a NetConn is waited on with Wait, not polled.
func (c *NetConn) FD() int { return -1 }

// Close closes the socket. A second Close returns transport.ErrClosed.
func (c *NetConn) Close() error {
	if c.closed.Swap(true) {
		return transport.ErrClosed
	}
	c.has = false
	if err := c.conn.Close(); err != nil {
		return fmt.Errorf("udp: close %s: %w", c.local, err)
	}
	return nil
}

// opErr maps a closed connection to ErrClosed and wraps the rest.
func (c *NetConn) opErr(op string, err error) error {
	if errors.Is(err, net.ErrClosed) || c.closed.Load() {
		return transport.ErrClosed
	}
	return fmt.Errorf("udp: %s on %s: %w", op, c.local, err)
}
