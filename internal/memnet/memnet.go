// Package memnet is an in-memory datagram network and a manual clock:
// what tests and the simulator plug into a GossipService instead of a UDP
// socket and the system clock.
//
// Delivery is explicit: WriteTo puts a datagram in the recipient's inbox
// at once (unless the network's Filter drops it), and ReadFrom takes it
// out. There is no latency and no goroutine; whoever drives the services
// decides when each reads, so a run is the same run every time.
package memnet

import (
	"net/netip"
	"time"

	"github.com/tickgossip/gossip/transport"
)

// Network connects Endpoints by address.
type Network struct {
	ends map[netip.AddrPort]*Endpoint
	// Filter, when set, is asked about every datagram; returning true
	// drops it (loss, partitions).
	Filter func(from, to netip.AddrPort, b []byte) bool
	// Delivered and Lost count datagrams put in an inbox, and dropped by
	// Filter or for want of a listener.
	Delivered, Lost uint64
	// InboxLimit bounds each inbox; datagrams beyond it are lost, as a
	// full socket buffer would lose them. Default 4096.
	InboxLimit int
}

// New returns an empty network.
func New() *Network {
	return &Network{ends: make(map[netip.AddrPort]*Endpoint), InboxLimit: 4096}
}

type packet struct {
	from netip.AddrPort
	b    []byte
}

// Endpoint is one address on the network; it implements
// transport.Transport.
type Endpoint struct {
	net    *Network
	addr   netip.AddrPort
	inbox  []packet // a ring: inbox[head], ..., count of them
	head   int
	count  int
	closed bool
}

var _ transport.Transport = (*Endpoint)(nil)

// Listen attaches an endpoint at addr, replacing any closed one there.
func (n *Network) Listen(addr netip.AddrPort) *Endpoint {
	e := &Endpoint{net: n, addr: addr}
	n.ends[addr] = e
	return e
}

// Pending returns the datagrams waiting in all inboxes.
func (n *Network) Pending() int {
	total := 0
	for _, e := range n.ends {
		total += e.count
	}
	return total
}

// Endpoint returns the endpoint at addr, if any.
func (n *Network) Endpoint(addr netip.AddrPort) (*Endpoint, bool) {
	e, ok := n.ends[addr]
	return e, ok
}

// ReadFrom takes the oldest waiting datagram.
func (e *Endpoint) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if e.closed {
		return 0, netip.AddrPort{}, transport.ErrClosed
	}
	if e.count == 0 {
		return 0, netip.AddrPort{}, transport.ErrWouldBlock
	}
	p := &e.inbox[e.head]
	n := copy(b, p.b)
	e.head = (e.head + 1) % len(e.inbox)
	e.count--
	return n, p.from, nil
}

// WriteTo copies b into the inbox of the endpoint at to.
func (e *Endpoint) WriteTo(b []byte, to netip.AddrPort) error {
	if e.closed {
		return transport.ErrClosed
	}
	return e.net.deliver(e.addr, to, b)
}

// Inject puts a datagram from any address into this endpoint's inbox,
// bypassing the Filter: forged and malformed input for tests.
func (e *Endpoint) Inject(from netip.AddrPort, b []byte) { e.push(from, b) }

func (n *Network) deliver(from, to netip.AddrPort, b []byte) error {
	if n.Filter != nil && n.Filter(from, to, b) {
		n.Lost++
		return nil
	}
	dst, ok := n.ends[to]
	if !ok || dst.closed || dst.count >= n.InboxLimit {
		n.Lost++
		return nil // UDP: the sender never knows
	}
	n.Delivered++
	dst.push(from, b)
	return nil
}

func (e *Endpoint) push(from netip.AddrPort, b []byte) {
	if e.count == len(e.inbox) {
		grown := make([]packet, max(16, 2*len(e.inbox)))
		for i := range e.count {
			grown[i] = e.inbox[(e.head+i)%len(e.inbox)]
		}
		e.inbox, e.head = grown, 0
	}
	p := &e.inbox[(e.head+e.count)%len(e.inbox)]
	p.from = from
	p.b = append(p.b[:0], b...) // reuses the slot's buffer: no allocation once warm
	e.count++
}

// LocalAddr returns the endpoint's address.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.addr }

// FD returns -1: there is nothing to poll.
func (e *Endpoint) FD() int { return -1 }

// Close detaches the endpoint; datagrams to it are lost from now on.
func (e *Endpoint) Close() error {
	if e.closed {
		return transport.ErrClosed
	}
	e.closed = true
	e.count = 0
	return nil
}

// Clock is a manual clock: it moves only when told to.
type Clock struct{ T time.Time }

// NewClock returns a clock at a fixed, arbitrary instant.
func NewClock() *Clock { return &Clock{T: time.Unix(1_700_000_000, 0).UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.T = c.T.Add(d) }

// Addr returns 127.0.0.1:port, a convenient test address.
func Addr(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}
