//go:build unix && !(linux && !386 && !s390x)

package udp

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// This file is the portable path, for unix systems other than Linux and
// for Linux on 386 and s390x. ReadFrom goes through unix.Recvfrom, which
// allocates its raw address buffer on every call (even one that finds
// nothing waiting) and a unix.Sockaddr for the source of every datagram:
// measured on linux/386, 1 allocation per empty read and 2 per datagram.
// The zero-allocation guarantee holds for the raw Linux path only. WriteTo
// is the same everywhere and does not allocate.

// rxState and txState are empty here: unix.Recvfrom manages its own
// address buffer, and nothing is batched (Options.ReadBatch and
// WriteBatch are ignored).
type (
	rxState struct{}
	txState struct{}
)

func (*rxState) init(int) {}
func (*rxState) reset()   {}
func (*txState) init(int) {}
func (*txState) reset()   {}

func (*txState) setup(int, Options) {}
func (*rxState) setup(int, Options) {}

// held is false: nothing is read ahead or gathered.
func (c *Conn) held() bool { return false }

// recv reads one datagram.
func (c *Conn) recv(b []byte) (int, netip.AddrPort, error) { return c.recvfrom(b) }

// send sends one datagram at once.
func (c *Conn) send(b []byte, to netip.AddrPort) error { return c.sendto(b, to) }

// flush has nothing to send.
func (c *Conn) flush() error { return nil }

// openSocket makes a non-blocking, close-on-exec UDP socket. Not every
// system has SOCK_NONBLOCK and SOCK_CLOEXEC, so the flags are set after
// socket(2), holding syscall.ForkLock so that a concurrent fork+exec in
// this process cannot inherit the descriptor in between.
func openSocket(family int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// recvfrom reads one datagram; it returns a bare unix.Errno on failure and
// retries EINTR.
func (c *Conn) recvfrom(b []byte) (int, netip.AddrPort, error) {
	for {
		n, sa, err := unix.Recvfrom(c.fd, b, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		from, ok := addrPortFromSockaddr(sa)
		if !ok {
			return 0, netip.AddrPort{}, errUnknownSource
		}
		return n, from, nil
	}
}
