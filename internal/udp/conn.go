//go:build unix

package udp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/transport"
)

// Conn is a bound, non-blocking UDP socket.
type Conn struct {
	fd     int // -1 once closed
	family int // unix.AF_INET or unix.AF_INET6
	local  netip.AddrPort

	// Destination addresses for WriteTo, kept here so that passing their
	// pointers to unix.Sendto does not allocate.
	sa4 unix.SockaddrInet4
	sa6 unix.SockaddrInet6

	rx rxState // per-platform: ReadFrom's scratch, or its ring of batched reads
	tx txState // per-platform: nothing, or the batch of gathered writes
}

var (
	_ transport.Transport = (*Conn)(nil)
	_ transport.Flusher   = (*Conn)(nil)
	_ transport.Buffered  = (*Conn)(nil)
)

// Listen opens a non-blocking, close-on-exec UDP socket bound to addr. An
// IPv4 address gives an AF_INET socket and an IPv6 address an AF_INET6 one
// with IPV6_V6ONLY set, so that IPv4 and IPv6 listeners on the same port
// never collide and an IPv6 socket never sees IPv4 traffic. Port 0 picks a
// free port; LocalAddr reports the one bound.
//
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) cannot be bound by a v6-only
// socket and is refused with ErrInvalidAddress: Unmap it first. An IPv6
// zone must be a numeric interface index.
//
// Errors from the system calls wrap the unix.Errno, so that, for example,
// errors.Is(err, unix.EADDRINUSE) reports a port already taken.
func Listen(addr netip.AddrPort, opts Options) (*Conn, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("udp: listen on zero address: %w", ErrInvalidAddress)
	}
	ip := addr.Addr()
	if ip.Is4In6() {
		return nil, fmt.Errorf("udp: listen on %s: IPv4-mapped address on a v6-only socket: %w", addr, ErrInvalidAddress)
	}

	c := &Conn{fd: -1}
	var sa unix.Sockaddr
	if ip.Is4() {
		c.family = unix.AF_INET
		c.sa4 = unix.SockaddrInet4{Port: int(addr.Port()), Addr: ip.As4()}
		sa = &c.sa4
	} else {
		zone, err := zoneIndex(ip.Zone())
		if err != nil {
			return nil, fmt.Errorf("udp: listen on %s: %w", addr, err)
		}
		c.family = unix.AF_INET6
		c.sa6 = unix.SockaddrInet6{Port: int(addr.Port()), ZoneId: zone, Addr: ip.As16()}
		sa = &c.sa6
	}

	c.rx.init(opts.ReadBatch)
	c.tx.init(opts.WriteBatch)
	fd, err := openSocket(c.family)
	if err != nil {
		return nil, fmt.Errorf("udp: listen on %s: socket: %w", addr, err)
	}
	c.fd = fd
	fail := func(op string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("udp: listen on %s: %s: %w", addr, op, err)
	}

	if c.family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt IPV6_V6ONLY", err)
		}
	}
	if opts.ReadBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opts.ReadBuffer)
	}
	if opts.WriteBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, opts.WriteBuffer)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	local, ok := addrPortFromSockaddr(bound)
	if !ok {
		return fail("getsockname", fmt.Errorf("unexpected address %T", bound))
	}
	c.local = local
	c.rx.setup(fd, opts)
	c.tx.setup(fd, opts)
	return c, nil
}

// ReadFrom copies the next waiting datagram into b and returns its length
// and source. It returns transport.ErrWouldBlock when nothing is waiting
// and transport.ErrClosed after Close. A datagram longer than b is
// truncated to len(b), the rest of it is discarded, and n == len(b).
//
// Sources are reported as the kernel gives them: with IPV6_V6ONLY set an
// IPv6 socket should never see an IPv4-mapped source, but if one arrives it
// is returned as such (Unmap is the caller's business). A link-local IPv6
// source carries its interface index as a numeric zone; building that zone
// is the one case where ReadFrom allocates.
//
// Any other error (an ICMP error reported for an earlier send, such as
// unix.ECONNREFUSED, on systems that report them) is returned wrapped; it
// is not fatal and the Conn stays usable.
//
// Where reads are batched (Linux, Options.ReadBatch above 1), ReadFrom
// reads up to ReadBatch datagrams with one recvmmsg when its ring is empty
// and returns them one per call; Buffered reports the ones still held.
// The ring's buffers are as long as the b of the call that first fills it
// (and grow, when the ring is empty, for a longer b). A datagram cut short
// by a ring buffer shorter than a later, longer b is returned as an
// oversized one: n == len(b), with the bytes past what was kept zeroed.
func (c *Conn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if c.fd < 0 {
		return 0, netip.AddrPort{}, transport.ErrClosed
	}
	n, from, err := c.recv(b)
	if err != nil {
		if wouldBlock(err) {
			return 0, netip.AddrPort{}, transport.ErrWouldBlock
		}
		return 0, netip.AddrPort{}, fmt.Errorf("udp: recvfrom on %s: %w", c.local, err)
	}
	return n, from, nil
}

// WriteTo sends b as one datagram to the given address. It does not retain
// b. It returns transport.ErrWouldBlock when the socket's send buffer is
// full and transport.ErrClosed after Close.
//
// The destination must be of the socket's family: an IPv4 address
// (IPv4-mapped ones included) on an IPv6 socket, or an IPv6 address on an
// IPv4 socket, returns an error wrapping ErrInvalidAddress, as do an
// invalid AddrPort, port 0 and a non-numeric IPv6 zone.
//
// Other errors are returned wrapped and are not fatal: in particular
// unix.ECONNREFUSED, the kernel reporting an ICMP port unreachable for an
// earlier datagram, leaves the Conn usable for the next WriteTo. The
// datagram of the call that returned it was not sent.
//
// Where writes are batched (Linux, Options.WriteBatch above 1), WriteTo
// checks the address, copies b into the batch and returns; the datagram
// goes out with the next Flush, or with the sendmmsg a full batch makes
// WriteTo call. Errors of sending it, ECONNREFUSED included, are then
// Flush's. WriteTo returns ErrWouldBlock only when the batch is full and
// the socket takes none of it.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) error {
	if c.fd < 0 {
		return transport.ErrClosed
	}
	return c.send(b, to)
}

// Flush sends the datagrams WriteTo gathered, with as few sendmmsg calls
// as the socket allows (see transport.Flusher). It returns
// transport.ErrWouldBlock when the socket's send buffer filled up first:
// the rest stay gathered, in order, for the next Flush. Another error
// (the first, wrapped) means a datagram was dropped: the kernel refused
// it (for example unix.ECONNREFUSED for an ICMP error of an earlier one,
// or unix.EMSGSIZE), and the datagrams after it were still sent. Where
// writes are not batched Flush does nothing and returns nil. After Close
// it returns transport.ErrClosed.
func (c *Conn) Flush() error {
	if c.fd < 0 {
		return transport.ErrClosed
	}
	return c.flush()
}

// Buffered reports whether the Conn holds datagrams that polling its FD
// does not show: read ahead of ReadFrom by a batched read, or gathered
// and not yet sent (see transport.Buffered).
func (c *Conn) Buffered() bool { return c.fd >= 0 && c.held() }

// sendto sends one datagram with one sendto(2).
func (c *Conn) sendto(b []byte, to netip.AddrPort) error {
	sa, err := c.sockaddr(to)
	if err != nil {
		return err
	}
	for {
		err := unix.Sendto(c.fd, b, 0, sa)
		switch {
		case err == nil:
			return nil
		case err == unix.EINTR:
			continue
		case wouldBlock(err):
			return transport.ErrWouldBlock
		default:
			return fmt.Errorf("udp: sendto %s: %w", to, err)
		}
	}
}

// sockaddr fills the Conn's own sockaddr for to and returns a pointer to
// it. Returning a pointer to a field of the (heap) Conn inside an interface
// does not allocate.
func (c *Conn) sockaddr(to netip.AddrPort) (unix.Sockaddr, error) {
	if !to.IsValid() || to.Port() == 0 {
		return nil, fmt.Errorf("udp: sendto %s: %w", to, ErrInvalidAddress)
	}
	ip := to.Addr()
	if c.family == unix.AF_INET {
		if !ip.Is4() {
			return nil, fmt.Errorf("udp: sendto %s: IPv6 destination on an IPv4 socket: %w", to, ErrInvalidAddress)
		}
		c.sa4.Port = int(to.Port())
		c.sa4.Addr = ip.As4()
		return &c.sa4, nil
	}
	if ip.Is4() || ip.Is4In6() {
		return nil, fmt.Errorf("udp: sendto %s: IPv4 destination on an IPv6 socket: %w", to, ErrInvalidAddress)
	}
	zone, err := zoneIndex(ip.Zone())
	if err != nil {
		return nil, fmt.Errorf("udp: sendto %s: %w", to, err)
	}
	c.sa6.Port = int(to.Port())
	c.sa6.ZoneId = zone
	c.sa6.Addr = ip.As16()
	return &c.sa6, nil
}

// LocalAddr returns the address the socket is bound to, with the port the
// kernel chose when Listen was given port 0. It keeps returning it after
// Close.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// FD returns the socket's file descriptor, for the caller to poll for
// readability, or -1 after Close.
func (c *Conn) FD() int { return c.fd }

// Close closes the socket. Datagrams still gathered for a Flush are
// sent first if the socket takes them without blocking, and dropped
// otherwise; datagrams read ahead are dropped. A second Close returns
// transport.ErrClosed.
func (c *Conn) Close() error {
	if c.fd < 0 {
		return transport.ErrClosed
	}
	_ = c.flush()
	c.rx.reset()
	c.tx.reset()
	fd := c.fd
	c.fd = -1
	// Even when close(2) fails the descriptor is gone (on Linux, EINTR
	// included), so the Conn counts as closed either way.
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("udp: close %s: %w", c.local, err)
	}
	return nil
}

// wouldBlock reports EAGAIN, or EWOULDBLOCK where it is a distinct value.
func wouldBlock(err error) bool {
	return err == unix.EAGAIN || err == unix.EWOULDBLOCK
}

// addrWithZone attaches a numeric zone for a non-zero scope id.
func addrWithZone(ip netip.Addr, scope uint32) netip.Addr {
	if scope == 0 {
		return ip
	}
	return ip.WithZone(strconv.FormatUint(uint64(scope), 10))
}

// addrPortFromSockaddr converts what getsockname (or unix.Recvfrom)
// returns.
func addrPortFromSockaddr(sa unix.Sockaddr) (netip.AddrPort, bool) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)), true
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(addrWithZone(netip.AddrFrom16(sa.Addr), sa.ZoneId), uint16(sa.Port)), true
	}
	return netip.AddrPort{}, false
}

// errUnknownSource is returned (wrapped) for a datagram whose source
// address is neither IPv4 nor IPv6; the datagram is dropped.
var errUnknownSource = errors.New("datagram from an address that is neither IPv4 nor IPv6")
