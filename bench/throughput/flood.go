//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// member is one of the flooder's members: a socket of its own, an id,
// and its counters.
type member struct {
	conn      *udp.Conn
	self      message.Member
	seq       uint32 // header seq of what it sends
	originSeq uint32 // its Data sequence
}

// flood plays the members: each says Hello to target, answers whatever
// asks for an answer (an Ack for a MemberList, Data or Status, a Welcome
// for a Hello), and, once the parent says go, sends Data round-robin
// from the members as fast as target acknowledges them, at most
// o.window unacknowledged, until stdin closes.
func flood(o options, target string) (floodResult, error) {
	to, err := netip.ParseAddrPort(target)
	if err != nil {
		return floodResult{}, err
	}
	var flooding, stop atomic.Bool
	go func() {
		in := bufio.NewReader(os.Stdin)
		if _, err := in.ReadString('\n'); err == nil {
			flooding.Store(true)
		}
		for {
			if _, err := in.ReadString('\n'); err != nil {
				stop.Store(true)
				return
			}
		}
	}()

	ms := make([]*member, members)
	fds := make([]unix.PollFd, members)
	buf, out := make([]byte, 600), make([]byte, 600)
	for i := range ms {
		c, err := udp.Listen(netip.MustParseAddrPort("127.0.0.1:0"), udp.Options{ReadBuffer: 4 << 20, WriteBuffer: 4 << 20})
		if err != nil {
			return floodResult{}, err
		}
		defer c.Close()
		ms[i] = &member{conn: c, self: message.Member{ID: uint64(1000 + i), Addr: c.LocalAddr()}}
		fds[i] = unix.PollFd{Fd: int32(c.FD()), Events: unix.POLLIN}
		h := message.Hello{Member: ms[i].self}
		n, _ := h.Encode(out, 1)
		if err := send(c, out[:n], to); err != nil {
			return floodResult{}, err
		}
	}

	var r floodResult
	payload := make([]byte, o.payload)
	outstanding, next := 0, 0
	lastAck := time.Now()
	for !stop.Load() {
		if flooding.Load() {
			for outstanding < o.window {
				m := ms[next]
				next = (next + 1) % members
				m.seq++
				m.originSeq++
				d := message.Data{Origin: m.self.ID, OriginSeq: m.originSeq, Payload: payload}
				n, err := d.Encode(out, m.seq)
				if err != nil {
					return r, err
				}
				if err := m.conn.WriteTo(out[:n], to); err != nil {
					if errors.Is(err, transport.ErrWouldBlock) {
						break
					}
					return r, err
				}
				outstanding++
				r.Sent++
			}
		}
		for _, m := range ms {
			_ = m.conn.Flush()
		}
		got := 0
		for _, m := range ms {
			for {
				n, from, err := m.conn.ReadFrom(buf)
				if errors.Is(err, transport.ErrWouldBlock) {
					break
				}
				if err != nil {
					return r, err
				}
				got++
				if acked := m.answer(buf[:n], from, out, &r); acked && outstanding > 0 {
					outstanding--
					lastAck = time.Now()
				}
			}
			_ = m.conn.Flush()
		}
		if got == 0 {
			_, _ = unix.Poll(fds, 1)
			if flooding.Load() && outstanding > 0 && time.Since(lastAck) > 50*time.Millisecond {
				outstanding = 0 // Data lost to a full socket: reopen the window
				r.Resets++
				lastAck = time.Now()
			}
		}
	}
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	r.CPUSeconds = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	return r, nil
}

// answer handles one datagram to m and reports whether it was an Ack.
func (m *member) answer(b []byte, from netip.AddrPort, out []byte, r *floodResult) bool {
	h, _, err := message.ParseHeader(b)
	if err != nil {
		return false
	}
	var n int
	switch h.Type {
	case message.TypeAck:
		r.Acks++
		return true
	case message.TypeData, message.TypeMemberList, message.TypeStatus:
		if h.Type == message.TypeData {
			r.Forwards++
		}
		m.seq++
		a := message.Ack{AckedSeq: h.Seq}
		n, _ = a.Encode(out, m.seq)
	case message.TypeHello:
		m.seq++
		w := message.Welcome{HelloSeq: h.Seq, Member: m.self}
		n, _ = w.Encode(out, m.seq)
	default:
		return false
	}
	if err := m.conn.WriteTo(out[:n], from); err != nil && !errors.Is(err, transport.ErrWouldBlock) {
		fmt.Fprintln(os.Stderr, "flooder:", err)
	}
	return false
}

// send writes and flushes one datagram.
func send(c *udp.Conn, b []byte, to netip.AddrPort) error {
	if err := c.WriteTo(b, to); err != nil {
		return err
	}
	return c.Flush()
}
