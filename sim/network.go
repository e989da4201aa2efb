package sim

import (
	"net/netip"
	"time"

	"github.com/tickgossip/gossip/transport"
)

type packet struct {
	from netip.AddrPort
	b    []byte
}

// endpoint is a node's Transport: writes go into the simulated network,
// reads come from the node's inbox.
type endpoint struct {
	node   *Node
	inbox  []*packet
	closed bool
}

var _ transport.Transport = (*endpoint)(nil)

func (e *endpoint) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if e.closed {
		return 0, netip.AddrPort{}, transport.ErrClosed
	}
	if len(e.inbox) == 0 {
		return 0, netip.AddrPort{}, transport.ErrWouldBlock
	}
	p := e.inbox[0]
	e.inbox = e.inbox[1:]
	n := copy(b, p.b)
	from := p.from
	e.node.sim.release(p)
	return n, from, nil
}

func (e *endpoint) WriteTo(b []byte, to netip.AddrPort) error {
	if e.closed {
		return transport.ErrClosed
	}
	e.node.sim.send(e.node, to, b)
	return nil
}

func (e *endpoint) LocalAddr() netip.AddrPort { return e.node.Addr }
func (e *endpoint) FD() int                   { return -1 }
func (e *endpoint) Close() error {
	if e.closed {
		return transport.ErrClosed
	}
	e.closed = true
	return nil
}

// send puts a datagram on the simulated network: it may be lost,
// partitioned away or duplicated, and arrives after latency plus jitter.
func (s *Sim) send(from *Node, to netip.AddrPort, b []byte) {
	s.net.Sent++
	s.net.Bytes += uint64(len(b))
	s.track.sent(len(b))
	dst, ok := s.byAddr[to]
	if !ok || (s.group != nil && s.groupOf(from.Index) != s.groupOf(dst.Index)) {
		s.net.Lost++
		return
	}
	copies := 1
	if s.opt.Duplicate > 0 && s.rng.Float64() < s.opt.Duplicate {
		copies = 2
		s.net.Duplicated++
	}
	loss := s.lossOf(from.Index, dst.Index)
	for range copies {
		if loss >= 1 || (loss > 0 && s.rng.Float64() < loss) {
			s.net.Lost++
			continue
		}
		delay := s.opt.Latency
		if s.opt.Jitter > 0 {
			delay += time.Duration(s.rng.Int64N(int64(s.opt.Jitter)))
		}
		p := s.take()
		p.from = from.Addr
		p.b = append(p.b[:0], b...)
		s.schedule(event{at: s.now + int64(delay), kind: evDeliver, node: dst.Index, pkt: p})
	}
}

func (s *Sim) take() *packet {
	if n := len(s.pool); n > 0 {
		b := s.pool[n-1]
		s.pool = s.pool[:n-1]
		return &packet{b: b}
	}
	return &packet{}
}

// release returns a packet's buffer for reuse (nil is ignored).
func (s *Sim) release(p *packet) {
	if p != nil && p.b != nil {
		s.pool = append(s.pool, p.b)
		p.b = nil
	}
}
