//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The second baseline: the raw loop with the offloads the transport uses
// (UDP_GRO on receive, UDP_SEGMENT on send), so that the service is also
// compared with the best this socket does, not only with plain
// recvmmsg/sendmmsg. Per batch it answers every Data as the raw loop
// does, and sends what goes to one member, Acks and Data apart, as
// segmented runs of at most 64.
const (
	offSlots = 8
	offSlot  = 1 << 16
	offMax   = offSlots * 64 // datagrams one batch can hold
)

type offloadLoop struct {
	fd      int
	buf     []byte
	rhdr    [offSlots]unix.Mmsghdr
	riov    [offSlots]unix.Iovec
	rname   [offSlots]unix.RawSockaddrInet4
	rctl    []byte
	acks    [offMax][12]byte
	data    [offMax]struct{ b []byte } // this batch's Data, by arrival
	from    [offMax]int                // the member each came from
	nData   int
	thdr    []unix.Mmsghdr
	tiov    []unix.Iovec
	tctl    []byte
	members []unix.RawSockaddrInet4
	fds     []unix.PollFd

	in, out, payloads uint64
}

var offCtl = unix.CmsgSpace(4)

func newOffloadLoop() (*offloadLoop, string, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, "", err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_UDP, unix.UDP_GRO, 1); err != nil {
		return nil, "", fmt.Errorf("UDP_GRO: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return nil, "", err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, "", err
	}
	l := &offloadLoop{fd: fd, buf: make([]byte, offSlots*offSlot), rctl: make([]byte, offSlots*offCtl),
		thdr: make([]unix.Mmsghdr, offMax*members), tiov: make([]unix.Iovec, offMax*members),
		tctl: make([]byte, offMax*members*unix.CmsgSpace(2)),
		fds:  []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}}
	for i := range l.rhdr {
		l.riov[i].Base = &l.buf[i*offSlot]
		l.riov[i].SetLen(offSlot)
		l.rhdr[i].Hdr.Name = (*byte)(unsafe.Pointer(&l.rname[i]))
		l.rhdr[i].Hdr.Iov = &l.riov[i]
		l.rhdr[i].Hdr.SetIovlen(1)
	}
	return l, fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port), nil
}

func (l *offloadLoop) member(sa *unix.RawSockaddrInet4) int {
	for j := range l.members {
		if l.members[j].Port == sa.Port && l.members[j].Addr == sa.Addr {
			return j
		}
	}
	return -1
}

func (l *offloadLoop) step(limit time.Duration) {
	for i := range l.rhdr {
		h := &l.rhdr[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet4
		h.Flags = 0
		h.Control = &l.rctl[i*offCtl]
		h.SetControllen(offCtl)
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(l.fd), uintptr(unsafe.Pointer(&l.rhdr[0])), offSlots, 0, 0, 0)
	if errno != 0 {
		if errno == unix.EAGAIN || errno == unix.EINTR {
			_, _ = unix.Poll(l.fds, millis(limit))
			return
		}
		fail(fmt.Errorf("recvmmsg: %w", errno))
	}
	l.nData = 0
	for i := range int(n) {
		total := int(l.rhdr[i].Len)
		seg := total
		if h := &l.rhdr[i].Hdr; int(h.Controllen) >= unix.CmsgLen(4) {
			if cm := (*unix.Cmsghdr)(unsafe.Pointer(&l.rctl[i*offCtl])); cm.Level == unix.SOL_UDP && cm.Type == unix.UDP_GRO {
				seg = int(*(*int32)(unsafe.Pointer(&l.rctl[i*offCtl+unix.CmsgLen(0)])))
			}
		}
		src := &l.rname[i]
		who := l.member(src)
		for o := 0; o < total; o += max(seg, 1) {
			b := l.buf[i*offSlot+o : i*offSlot+min(o+seg, total)]
			l.in++
			if len(b) < 8 {
				continue
			}
			switch binary.BigEndian.Uint16(b) {
			case 1:
				if who < 0 && len(l.members) < members {
					l.members = append(l.members, *src)
					who = len(l.members) - 1
				}
			case 5:
				if who < 0 || l.nData == offMax {
					continue
				}
				l.payloads++
				a := &l.acks[l.nData]
				a[0], a[1], a[2], a[3] = 0, 4, 1, 0
				copy(a[8:], b[4:8])
				l.data[l.nData].b, l.from[l.nData] = b, who
				l.nData++
			}
		}
	}
	// Runs: for each member, its Acks, then the Data of the others.
	h, v := 0, 0
	run := func(to int, start int) {
		for s := start; s < v; s += 64 {
			k := min(64, v-s)
			m := &l.thdr[h].Hdr
			m.Name = (*byte)(unsafe.Pointer(&l.members[to]))
			m.Namelen = unix.SizeofSockaddrInet4
			m.Iov = &l.tiov[s]
			m.SetIovlen(k)
			m.Control = nil
			m.SetControllen(0)
			if k > 1 {
				c := l.tctl[h*unix.CmsgSpace(2):]
				cm := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
				cm.Level, cm.Type = unix.SOL_UDP, unix.UDP_SEGMENT
				cm.SetLen(unix.CmsgLen(2))
				*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(l.tiov[s].Len)
				m.Control = &c[0]
				m.SetControllen(unix.CmsgSpace(2))
			}
			h++
		}
	}
	for to := range l.members {
		start := v
		for d := range l.nData {
			if l.from[d] == to {
				l.tiov[v].Base = &l.acks[d][0]
				l.tiov[v].SetLen(12)
				v++
			}
		}
		run(to, start)
		start = v
		for d := range l.nData {
			if l.from[d] != to {
				l.tiov[v].Base = &l.data[d].b[0]
				l.tiov[v].SetLen(len(l.data[d].b))
				v++
			}
		}
		run(to, start)
	}
	for sent := 0; sent < h; {
		m, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(l.fd), uintptr(unsafe.Pointer(&l.thdr[sent])), uintptr(h-sent), 0, 0, 0)
		switch {
		case errno == unix.EAGAIN:
			_, _ = unix.Poll([]unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLOUT}}, 1)
		case errno == unix.EINTR:
		case errno != 0:
			fail(fmt.Errorf("sendmmsg: %w", errno))
		default:
			sent += int(m)
		}
	}
	l.out += uint64(v)
}

// measureOffload runs the offload baseline as measureRaw runs the plain
// one.
func measureOffload(o options) (result, error) {
	l, addr, err := newOffloadLoop()
	if err != nil {
		return result{}, err
	}
	defer unix.Close(l.fd)
	fmt.Printf("addr %s\n", addr)
	joinBy := time.Now().Add(10 * time.Second)
	for len(l.members) < members {
		if time.Now().After(joinBy) {
			return result{}, fmt.Errorf("%d of %d members said hello", len(l.members), members)
		}
		l.step(10 * time.Millisecond)
	}
	fmt.Println("joined")
	for started := waitForGo(); !started(); {
		l.step(10 * time.Millisecond)
	}
	for end := time.Now().Add(o.warmup); time.Now().Before(end); {
		l.step(time.Millisecond)
	}
	in0, out0, p0, m0 := l.in, l.out, l.payloads, measure()
	for end := m0.t.Add(o.duration); time.Now().Before(end); {
		l.step(time.Millisecond)
	}
	m1 := measure()
	r := result{Mode: "raw-offload", In: l.in - in0, Out: l.out - out0, Payloads: l.payloads - p0}
	m0.into(&r, m1)
	return r, nil
}
