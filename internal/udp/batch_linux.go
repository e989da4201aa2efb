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
//
// With UDP generic receive offload (UDP_GRO, Linux 5.0) the kernel hands
// over a run of datagrams of one length from one sender as one, with
// their length in a control message: a segmented send from another node
// stays one packet all the way, and ReadFrom cuts it apart. Such a run is
// up to 64 KiB, so the ring's slots are then that long, and fewer (a
// quarter of ReadBatch: each may hold up to 64 datagrams).
type rxState struct {
	rsa    unix.RawSockaddrAny // recvfrom's source
	rsaLen uint32              // socklen_t

	batch int // slots per recvmmsg; 1: no ring, every ReadFrom is a recvfrom
	gro   bool
	size  int // bytes per slot; 0 until the first ReadFrom
	buf   []byte
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrAny
	ctl   []byte // a UDP_GRO control message per slot
	seg   []int  // per slot: the length of each datagram of a run, 0 for one datagram
	next  int    // the next slot ReadFrom hands out
	off   int    // where in it the next datagram of a run starts
	n     int    // slots the last recvmmsg filled
}

// groSlot is a slot's length with receive offload: the longest run.
const groSlot = 1 << 16

// groCtl is the room of one UDP_GRO control message (an int).
var groCtl = unix.CmsgSpace(4)

func (r *rxState) init(batch int) { r.batch = batchSize(batch, DefaultReadBatch) }

// setup turns receive offload on where the kernel has it, unless opts
// say not to.
func (r *rxState) setup(fd int, opts Options) {
	if r.batch <= 1 || opts.NoSegmentOffload {
		return
	}
	if unix.SetsockoptInt(fd, unix.SOL_UDP, unix.UDP_GRO, 1) == nil {
		r.gro = true
		r.batch = max(1, r.batch/4)
	}
}

func (r *rxState) reset() { r.next, r.off, r.n = 0, 0, 0 }

// grow makes the ring's slots size bytes long. The ring is empty.
func (r *rxState) grow(size int) {
	if r.gro {
		size = max(size, groSlot)
	}
	r.size = size
	r.buf = make([]byte, r.batch*size)
	if r.hdrs == nil {
		r.hdrs = make([]unix.Mmsghdr, r.batch)
		r.iovs = make([]unix.Iovec, r.batch)
		r.names = make([]unix.RawSockaddrAny, r.batch)
		r.seg = make([]int, r.batch)
		if r.gro {
			r.ctl = make([]byte, r.batch*groCtl)
		}
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
	m := &r.hdrs[i]
	got := min(int(m.Len), r.size)
	start, end := r.off, got
	if r.seg[i] > 0 {
		end = min(start+r.seg[i], got)
	}
	if end < got {
		r.off = end // more of the run in this slot
	} else {
		r.next, r.off = r.next+1, 0
	}
	from, ok := addrPortFromRaw(&r.names[i], m.Hdr.Namelen)
	if !ok {
		return 0, netip.AddrPort{}, errUnknownSource
	}
	n := copy(b, r.buf[i*r.size+start:i*r.size+end])
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
		h := &r.hdrs[i]
		h.Hdr.Namelen = unix.SizeofSockaddrAny
		h.Hdr.Flags = 0
		h.Len = 0
		if r.gro {
			h.Hdr.Control = &r.ctl[i*groCtl]
			h.Hdr.SetControllen(groCtl)
		}
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
		r.next, r.off, r.n = 0, 0, int(n)
		for i := range r.n {
			r.seg[i] = 0
			if r.gro {
				r.seg[i] = groSize(&r.hdrs[i].Hdr, r.ctl[i*groCtl:(i+1)*groCtl])
			}
		}
		return nil
	}
}

// groSize returns the datagram length of a coalesced run from the
// UDP_GRO control message the kernel left in ctl, or 0 for a single
// datagram (no such message).
func groSize(h *unix.Msghdr, ctl []byte) int {
	if int(h.Controllen) < unix.CmsgLen(4) {
		return 0
	}
	cm := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
	if cm.Level != unix.SOL_UDP || cm.Type != unix.UDP_GRO || int(cm.Len) < unix.CmsgLen(4) {
		return 0
	}
	return int(*(*int32)(unsafe.Pointer(&ctl[unix.CmsgLen(0)])))
}

// txState is the write side: the batch of gathered datagrams, slots
// [head, n) still to send. At a flush, datagrams of one length to one
// destination are sent as one with UDP generic segmentation offload
// (UDP_SEGMENT, Linux 4.18): the kernel routes and processes the batch
// once and cuts it into datagrams at the end, which costs a fraction of
// sending each (measured on loopback: about a third, for runs of 32).
type txState struct {
	batch    int // slots; 1: no batch, every WriteTo is a sendto
	gso      bool
	bufs     [][]byte
	names    []unix.RawSockaddrInet6 // an IPv4 destination uses the first 16 bytes
	nameLens []uint32
	keys     []uint64 // destination and length folded, to tell runs apart cheaply
	head     int
	n        int
	err      error // the first error of a flush that WriteTo made, for the next Flush

	// Built by flush from the slots: one header per send (a datagram, or
	// a run that the kernel segments), the iovecs in slot order, the
	// UDP_SEGMENT control messages, and scratch for grouping.
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	ctl    []byte
	runs   []int // datagrams per header
	order  []int
	used   []bool
	sbufs  [][]byte
	snames []unix.RawSockaddrInet6
	slens  []uint32
	skeys  []uint64
}

// maxSegments is the kernel's limit on the datagrams of one segmented
// send (UDP_MAX_SEGMENTS), and maxRun its limit on their bytes.
const (
	maxSegments = 64
	maxRun      = 65000
)

// ctlSpace is the room of one UDP_SEGMENT control message.
var ctlSpace = unix.CmsgSpace(2)

func (t *txState) init(batch int) {
	t.batch = batchSize(batch, DefaultWriteBatch)
	if t.batch <= 1 {
		return
	}
	t.bufs = make([][]byte, t.batch)
	t.names = make([]unix.RawSockaddrInet6, t.batch)
	t.nameLens = make([]uint32, t.batch)
	t.keys = make([]uint64, t.batch)
	t.hdrs = make([]unix.Mmsghdr, t.batch)
	t.iovs = make([]unix.Iovec, t.batch)
	t.ctl = make([]byte, t.batch*ctlSpace)
	t.runs = make([]int, t.batch)
	t.order = make([]int, 0, t.batch)
	t.used = make([]bool, t.batch)
	t.sbufs = make([][]byte, t.batch)
	t.snames = make([]unix.RawSockaddrInet6, t.batch)
	t.slens = make([]uint32, t.batch)
	t.skeys = make([]uint64, t.batch)
}

// setup enables segmentation offload where the kernel has it and opts
// do not turn it off.
func (t *txState) setup(fd int, opts Options) {
	if t.batch <= 1 || opts.NoSegmentOffload {
		return
	}
	_, err := unix.GetsockoptInt(fd, unix.SOL_UDP, unix.UDP_SEGMENT)
	t.gso = err == nil
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
	t.nameLens[i] = nameLen
	t.keys[i] = runKey(&name, len(b))
	return nil
}

// runKey folds a destination and a length into one word: datagrams of
// one run have equal keys (the converse is checked in full).
func runKey(sa *unix.RawSockaddrInet6, n int) uint64 {
	a := &sa.Addr
	k := uint64(sa.Port)<<48 ^ uint64(n)<<32 ^ uint64(sa.Scope_id)
	for i := 0; i < 16; i += 4 {
		k ^= uint64(a[i])<<24 | uint64(a[i+1])<<16 | uint64(a[i+2])<<8 | uint64(a[i+3])
		k *= 0x9e3779b97f4a7c15
	}
	return k
}

// compact moves the unsent slots [head, n) to the front.
func (t *txState) compact() {
	k := 0
	for j := t.head; j < t.n; j, k = j+1, k+1 {
		t.bufs[k], t.bufs[j] = t.bufs[j], t.bufs[k]
		t.names[k] = t.names[j]
		t.nameLens[k] = t.nameLens[j]
		t.keys[k] = t.keys[j]
	}
	t.head, t.n = 0, k
}

// plan orders the unsent slots for sending and builds one header per
// send: with segmentation, each run of datagrams of one length to one
// destination (in the order of their first datagram, each run in its
// own order) is one header; without, each datagram is. It returns the
// number of headers.
func (t *txState) plan(segment bool) int {
	if segment {
		t.group()
	}
	h := 0
	for i := t.head; i < t.n; h++ {
		k := 1
		if segment {
			k = t.runs[h]
		}
		for j := i; j < i+k; j++ {
			t.iovs[j].Base = nil
			if len(t.bufs[j]) > 0 {
				t.iovs[j].Base = &t.bufs[j][0]
			}
			t.iovs[j].SetLen(len(t.bufs[j]))
		}
		m := &t.hdrs[h]
		m.Len = 0
		m.Hdr.Name = (*byte)(unsafe.Pointer(&t.names[i]))
		m.Hdr.Namelen = t.nameLens[i]
		m.Hdr.Iov = &t.iovs[i]
		m.Hdr.SetIovlen(k)
		m.Hdr.Control = nil
		m.Hdr.SetControllen(0)
		if k > 1 {
			c := t.ctl[h*ctlSpace : (h+1)*ctlSpace]
			cm := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
			cm.Level, cm.Type = unix.SOL_UDP, unix.UDP_SEGMENT
			cm.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(len(t.bufs[i]))
			m.Hdr.Control = &c[0]
			m.Hdr.SetControllen(ctlSpace)
		}
		t.runs[h] = k
		i += k
	}
	return h
}

// group permutes the unsent slots so that each run is contiguous, and
// records the runs' lengths in runs.
func (t *txState) group() {
	order := t.order[:0]
	clear(t.used[t.head:t.n])
	runs := 0
	for i := t.head; i < t.n; i++ {
		if t.used[i] {
			continue
		}
		t.used[i] = true
		order = append(order, i)
		k, size := 1, len(t.bufs[i])
		limit := 1
		if size > 0 {
			limit = min(maxSegments, maxRun/size)
		}
		for j := i + 1; j < t.n && k < limit; j++ {
			if t.keys[j] == t.keys[i] && !t.used[j] && len(t.bufs[j]) == size && t.nameLens[j] == t.nameLens[i] && t.names[j] == t.names[i] {
				t.used[j] = true
				order = append(order, j)
				k++
			}
		}
		t.runs[runs] = k
		runs++
	}
	if runs == t.n-t.head {
		return // no run longer than one: the order stands
	}
	for k, o := range order {
		t.sbufs[k], t.snames[k], t.slens[k], t.skeys[k] = t.bufs[o], t.names[o], t.nameLens[o], t.keys[o]
	}
	for k := range order {
		j := t.head + k
		t.bufs[j], t.names[j], t.nameLens[j], t.keys[j] = t.sbufs[k], t.snames[k], t.slens[k], t.skeys[k]
		t.sbufs[k] = nil
	}
}

// flush sends the gathered datagrams. A refused datagram is dropped and
// the rest still go; the first such error is returned, after the one a
// WriteTo's flush kept, if any. A run the kernel refuses to segment is
// sent again a datagram at a time (and a kernel that cannot segment at
// all, EIO, is not asked again).
func (c *Conn) flush() error {
	t := &c.tx
	first := t.err
	t.err = nil
	segment := t.gso
	for t.head < t.n {
		hdrs := t.plan(segment)
		h := 0
	pass:
		for h < hdrs {
			sent, errno := sendmmsg(c.fd, t.hdrs[h:hdrs])
			switch {
			case errno == unix.EINTR:
			case wouldBlock(errno) || (errno == 0 && sent == 0):
				if first != nil {
					return first
				}
				return transport.ErrWouldBlock
			case errno != 0 && t.runs[h] > 1:
				if errno == unix.EIO {
					t.gso = false
				}
				segment = false // this flush sends the rest one by one
				break pass
			case errno != 0:
				if first == nil {
					to := addrPortFromName(&t.names[t.head], t.nameLens[t.head])
					first = fmt.Errorf("udp: sendmmsg to %s: %w", to, errno)
				}
				t.head++ // that one is dropped; the retry covers it
				h++
			default:
				for range sent {
					t.head += t.runs[h]
					h++
				}
			}
		}
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
