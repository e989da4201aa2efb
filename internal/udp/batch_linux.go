//go:build linux && !386 && !s390x

package udp

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/transport"
)

// This file is the batched path: recvmmsg(2) and sendmmsg(2), which
// golang.org/x/sys/unix does not wrap, called directly. Every buffer,
// header and address they use is the Conn's own, made once (the read ring
// when the first ReadFrom gives its size, a write buffer when it first
// holds a datagram as long), so that neither path allocates afterwards.
//
// The headers hold pointers into the ring and the write buffers. Go's
// heap does not move, and the Conn keeps every one of them reachable, so
// the kernel sees valid memory for as long as a call runs.

// rxState is the read side: recvfrom's address buffer for unbatched
// reads, and the ring that recvmmsg fills.
type rxState struct {
	rsa    unix.RawSockaddrAny // recvfrom's source
	rsaLen uint32              // socklen_t

	batch int // slots per recvmmsg; 1: no ring, every ReadFrom is a recvfrom
	size  int // bytes per slot; 0 until the first ReadFrom
	buf   []byte
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	next  int // the next slot ReadFrom hands out
	n     int // slots the last recvmmsg filled
}

func (r *rxState) init(batch int) { r.batch = batchSize(batch) }

func (r *rxState) reset() { r.next, r.n = 0, 0 }

// grow makes the ring's slots size bytes long. The ring is empty.
func (r *rxState) grow(size int) {
	r.size = size
	r.buf = make([]byte, r.batch*size)
	if r.hdrs == nil {
		r.hdrs = make([]unix.Mmsghdr, r.batch)
		r.iovs = make([]unix.Iovec, r.batch)
		r.names = make([]unix.RawSockaddrAny, r.batch)
	}
	for i := range r.hdrs {
		r.iovs[i].Base = &r.buf[i*size]
		r.iovs[i].SetLen(size)
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
	}
}

// recv returns the next datagram of the ring, filling the ring first if
// it is empty. Errors are bare: a unix.Errno or errUnknownSource.
func (c *Conn) recv(b []byte) (int, netip.AddrPort, error) {
	r := &c.rx
	if r.batch <= 1 {
		return c.recvfrom(b)
	}
	if r.next == r.n {
		if len(b) > r.size || r.size == 0 {
			r.grow(max(len(b), 1))
		}
		if err := c.fill(); err != nil {
			return 0, netip.AddrPort{}, err
		}
	}
	i := r.next
	r.next++
	m := &r.hdrs[i]
	from, ok := addrPortFromRaw(&r.names[i], m.Hdr.Namelen)
	if !ok {
		return 0, netip.AddrPort{}, errUnknownSource
	}
	got := min(int(m.Len), r.size)
	n := copy(b, r.buf[i*r.size:i*r.size+got])
	if m.Hdr.Flags&unix.MSG_TRUNC != 0 && n < len(b) {
		// Cut short at a slot shorter than this b: too long for the b
		// the ring was read for, so too long here too.
		clear(b[n:])
		n = len(b)
	}
	return n, from, nil
}

// fill reads a batch into the empty ring. It returns unix.EAGAIN when
// nothing is waiting.
func (c *Conn) fill() error {
	r := &c.rx
	for i := range r.hdrs {
		r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrAny
		r.hdrs[i].Hdr.Flags = 0
		r.hdrs[i].Len = 0
	}
	for {
		n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG,
			uintptr(c.fd),
			uintptr(unsafe.Pointer(unsafe.SliceData(r.hdrs))),
			uintptr(len(r.hdrs)),
			0, 0, 0)
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			return errno
		case n == 0:
			return unix.EAGAIN
		}
		r.next, r.n = 0, int(n)
		return nil
	}
}

// txState is the write side: the batch of gathered datagrams, slots
// [head, n) still to send.
type txState struct {
	batch int // slots; 1: no batch, every WriteTo is a sendto
	bufs  [][]byte
	names []unix.RawSockaddrInet6 // an IPv4 destination uses the first 16 bytes
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	head  int
	n     int
	err   error // the first error of a flush that WriteTo made, for the next Flush
}

func (t *txState) init(batch int) {
	t.batch = batchSize(batch)
	if t.batch <= 1 {
		return
	}
	t.bufs = make([][]byte, t.batch)
	t.names = make([]unix.RawSockaddrInet6, t.batch)
	t.hdrs = make([]unix.Mmsghdr, t.batch)
	t.iovs = make([]unix.Iovec, t.batch)
}

func (t *txState) reset() { t.head, t.n, t.err = 0, 0, nil }

// held reports datagrams read ahead or gathered.
func (c *Conn) held() bool { return c.rx.next < c.rx.n || c.tx.head < c.tx.n }

// send gathers one datagram, making room by sending the batch when it is
// full.
func (c *Conn) send(b []byte, to netip.AddrPort) error {
	t := &c.tx
	if t.batch <= 1 {
		return c.sendto(b, to)
	}
	var name unix.RawSockaddrInet6
	nameLen, err := c.rawSockaddr(to, &name)
	if err != nil {
		return err
	}
	if t.n == t.batch {
		if err := c.flush(); err != nil && t.err == nil && err != transport.ErrWouldBlock {
			t.err = err
		}
	}
	if t.head > 0 {
		t.compact() // what a full socket left unsent moves to the front
	}
	if t.n == t.batch {
		return transport.ErrWouldBlock
	}
	i := t.n
	t.n++
	t.bufs[i] = append(t.bufs[i][:0], b...)
	t.names[i] = name
	t.iovs[i].Base = nil
	if len(b) > 0 {
		t.iovs[i].Base = &t.bufs[i][0]
	}
	t.iovs[i].SetLen(len(b))
	h := &t.hdrs[i].Hdr
	h.Name = (*byte)(unsafe.Pointer(&t.names[i]))
	h.Namelen = nameLen
	h.Iov = &t.iovs[i]
	h.SetIovlen(1)
	return nil
}

// compact moves the unsent slots [head, n) to the front.
func (t *txState) compact() {
	k := 0
	for j := t.head; j < t.n; j, k = j+1, k+1 {
		t.bufs[k], t.bufs[j] = t.bufs[j], t.bufs[k]
		t.names[k] = t.names[j]
		t.iovs[k] = t.iovs[j]
		t.hdrs[k] = t.hdrs[j]
		t.hdrs[k].Hdr.Name = (*byte)(unsafe.Pointer(&t.names[k]))
		t.hdrs[k].Hdr.Iov = &t.iovs[k]
	}
	t.head, t.n = 0, k
}

// flush sends the gathered datagrams. A refused datagram is dropped and
// the rest still go; the first such error is returned, after the one a
// WriteTo's flush kept, if any.
func (c *Conn) flush() error {
	t := &c.tx
	first := t.err
	t.err = nil
	for t.head < t.n {
		sent, errno := sendmmsg(c.fd, t.hdrs[t.head:t.n])
		switch {
		case errno == unix.EINTR:
			continue
		case wouldBlock(errno) || (errno == 0 && sent == 0):
			if first != nil {
				return first
			}
			return transport.ErrWouldBlock
		case errno != 0:
			if first == nil {
				to := addrPortFromName(&t.names[t.head], t.hdrs[t.head].Hdr.Namelen)
				first = fmt.Errorf("udp: sendmmsg to %s: %w", to, errno)
			}
			t.head++ // that one is dropped; the retry covers it
			continue
		}
		t.head += int(sent)
	}
	t.head, t.n = 0, 0
	return first
}

// sendmmsg is sendmmsg(2), a variable so that a test can stand in for a
// socket whose send buffer is full.
var sendmmsg = func(fd int, hdrs []unix.Mmsghdr) (uintptr, unix.Errno) {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG,
		uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(hdrs))), uintptr(len(hdrs)), 0, 0, 0)
	return n, errno
}

// rawSockaddr checks to as sockaddr does and writes it in the kernel's
// form into sa, returning its length.
func (c *Conn) rawSockaddr(to netip.AddrPort, sa *unix.RawSockaddrInet6) (uint32, error) {
	if _, err := c.sockaddr(to); err != nil {
		return 0, err
	}
	port := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port[0], port[1] = byte(to.Port()>>8), byte(to.Port())
	if c.family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Addr = c.sa4.Addr
		return unix.SizeofSockaddrInet4, nil
	}
	sa.Family = unix.AF_INET6
	sa.Addr = c.sa6.Addr
	sa.Scope_id = c.sa6.ZoneId
	return unix.SizeofSockaddrInet6, nil
}

// addrPortFromName decodes a destination that rawSockaddr wrote.
func addrPortFromName(sa *unix.RawSockaddrInet6, n uint32) netip.AddrPort {
	if n == unix.SizeofSockaddrInet4 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), rawPort(&sa4.Port))
	}
	return netip.AddrPortFrom(addrWithZone(netip.AddrFrom16(sa.Addr), sa.Scope_id), rawPort(&sa.Port))
}
