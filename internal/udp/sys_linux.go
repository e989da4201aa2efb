//go:build linux && !386 && !s390x

package udp

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file is the allocation-free unbatched read path (batch_linux.go
// has the batched one, and the state of both). unix.Recvfrom converts the
// source address into a freshly allocated unix.Sockaddr on every call, so
// ReadFrom calls recvfrom(2) itself with a raw sockaddr kept in the Conn
// and decodes it in place.
//
// 386 and s390x are left to the portable file: there the C library's
// socket calls go through socketcall(2), and the direct recvfrom system
// call only exists since Linux 4.3, newer than Go's minimum kernel.

// openSocket makes a UDP socket that is non-blocking and close-on-exec
// from the start.
func openSocket(family int) (int, error) {
	return unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
}

// recvfrom reads one datagram; it returns a bare unix.Errno on failure and
// retries EINTR.
func (c *Conn) recvfrom(b []byte) (int, netip.AddrPort, error) {
	for {
		c.rx.rsaLen = unix.SizeofSockaddrAny
		n, _, errno := unix.Syscall6(unix.SYS_RECVFROM,
			uintptr(c.fd),
			uintptr(unsafe.Pointer(unsafe.SliceData(b))),
			uintptr(len(b)),
			0,
			uintptr(unsafe.Pointer(&c.rx.rsa)),
			uintptr(unsafe.Pointer(&c.rx.rsaLen)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return 0, netip.AddrPort{}, errno
		}
		from, ok := addrPortFromRaw(&c.rx.rsa, c.rx.rsaLen)
		if !ok {
			return 0, netip.AddrPort{}, errUnknownSource
		}
		return int(n), from, nil
	}
}

// addrPortFromRaw decodes a sockaddr_in or sockaddr_in6 of length n. The
// port is stored in network byte order, so it is read byte by byte.
func addrPortFromRaw(rsa *unix.RawSockaddrAny, n uint32) (netip.AddrPort, bool) {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), rawPort(&sa.Port)), true
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		ip := addrWithZone(netip.AddrFrom16(sa.Addr), sa.Scope_id)
		return netip.AddrPortFrom(ip, rawPort(&sa.Port)), true
	}
	return netip.AddrPort{}, false
}

func rawPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
