//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBatch is how many datagrams one recvmmsg of the baseline reads, as
// the UDP transport's default batch does.
const rawBatch = 32

// rawLoop is the baseline: one non-blocking socket, recvmmsg into a ring
// of buffers, and for each Data an Ack-sized answer and the Data's own
// bytes to the three other members, all sent with sendmmsg. A Hello makes
// its source a member. Nothing is decoded beyond the type and seq.
type rawLoop struct {
	fd      int
	buf     []byte
	rhdr    [rawBatch]unix.Mmsghdr
	riov    [rawBatch]unix.Iovec
	rname   [rawBatch]unix.RawSockaddrInet4
	acks    [rawBatch][12]byte
	thdr    [rawBatch * members]unix.Mmsghdr
	tiov    [rawBatch * members]unix.Iovec
	members []unix.RawSockaddrInet4
	fds     []unix.PollFd

	in, out, payloads uint64
}

const slot = 513 // the service's receive buffer: MaxMessageSize + 1

func newRawLoop() (*rawLoop, string, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, "", err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return nil, "", err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, "", err
	}
	l := &rawLoop{fd: fd, buf: make([]byte, rawBatch*slot), fds: []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}}
	for i := range l.rhdr {
		l.riov[i].Base = &l.buf[i*slot]
		l.riov[i].SetLen(slot)
		l.rhdr[i].Hdr.Name = (*byte)(unsafe.Pointer(&l.rname[i]))
		l.rhdr[i].Hdr.Iov = &l.riov[i]
		l.rhdr[i].Hdr.SetIovlen(1)
	}
	for i := range l.thdr {
		l.thdr[i].Hdr.Iov = &l.tiov[i]
		l.thdr[i].Hdr.SetIovlen(1)
		l.thdr[i].Hdr.Namelen = unix.SizeofSockaddrInet4
	}
	return l, fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port), nil
}

// step reads one batch and answers it; with nothing to read it polls for
// at most limit.
func (l *rawLoop) step(limit time.Duration) {
	for i := range l.rhdr {
		l.rhdr[i].Hdr.Namelen = unix.SizeofSockaddrInet4
		l.rhdr[i].Hdr.Flags = 0
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(l.fd), uintptr(unsafe.Pointer(&l.rhdr[0])), rawBatch, 0, 0, 0)
	if errno != 0 {
		if errno == unix.EAGAIN || errno == unix.EINTR {
			_, _ = unix.Poll(l.fds, millis(limit))
			return
		}
		fail(fmt.Errorf("recvmmsg: %w", errno))
	}
	l.in += uint64(n)
	k := 0
	for i := range int(n) {
		b := l.buf[i*slot : i*slot+int(l.rhdr[i].Len)]
		if len(b) < 8 {
			continue
		}
		src := &l.rname[i]
		switch binary.BigEndian.Uint16(b) {
		case 1: // Hello
			if !l.known(src) && len(l.members) < members {
				l.members = append(l.members, *src)
			}
		case 5: // Data
			l.payloads++
			a := &l.acks[i] // an Ack: type 4, version 1, seq 0, ackedSeq
			a[0], a[1], a[2], a[3] = 0, 4, 1, 0
			copy(a[8:], b[4:8])
			l.queue(&k, a[:], src)
			for j := range l.members {
				if m := &l.members[j]; m.Port != src.Port || m.Addr != src.Addr {
					l.queue(&k, b, m)
				}
			}
		}
	}
	for sent := 0; sent < k; {
		m, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(l.fd), uintptr(unsafe.Pointer(&l.thdr[sent])), uintptr(k-sent), 0, 0, 0)
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
	l.out += uint64(k)
}

func (l *rawLoop) queue(k *int, b []byte, to *unix.RawSockaddrInet4) {
	l.tiov[*k].Base = &b[0]
	l.tiov[*k].SetLen(len(b))
	l.thdr[*k].Hdr.Name = (*byte)(unsafe.Pointer(to))
	*k++
}

func (l *rawLoop) known(sa *unix.RawSockaddrInet4) bool {
	for _, m := range l.members {
		if m.Port == sa.Port && m.Addr == sa.Addr {
			return true
		}
	}
	return false
}

// measureRaw runs the baseline as measureService runs the service.
func measureRaw(o options) (result, error) {
	l, addr, err := newRawLoop()
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
	r := result{Mode: "raw", In: l.in - in0, Out: l.out - out0, Payloads: l.payloads - p0}
	m0.into(&r, m1)
	return r, nil
}
