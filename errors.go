package gossip

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/transport"
)

// Errors returned by the service. Test for them with errors.Is: the
// returned error often wraps one of these with detail.
var (
	// ErrBadState: the call is not allowed in the service's current state
	// (SendData before CONNECTED, Join while JOINING or CONNECTED, Leave
	// when not CONNECTED). Nothing changed.
	ErrBadState = errors.New("gossip: call not allowed in this state")

	// ErrClosed: the service was closed. Nothing changed.
	ErrClosed = errors.New("gossip: service closed")

	// ErrPayloadTooLarge: the payload does not fit one datagram of
	// MaxMessageSize (MaxPayload bytes at most). Nothing was sent.
	ErrPayloadTooLarge = errors.New("gossip: payload too large")

	// ErrEmptyPayload: SendData was given no bytes. Nothing was sent.
	ErrEmptyPayload = errors.New("gossip: empty payload")

	// ErrInvalidAddress: an address is not a valid /ip4/A/udp/P or
	// /ip6/A/udp/P multiaddr (ErrNotUDP, which wraps it, says it is valid
	// but not UDP over IP). Nothing changed.
	ErrInvalidAddress = errors.New("gossip: invalid address")

	// ErrNotUDP: the multiaddr is well formed but does not name a UDP
	// port over IPv4 or IPv6 (a TCP or DNS address, say). errors.Is also
	// matches it as ErrInvalidAddress.
	ErrNotUDP = fmt.Errorf("gossip: not a UDP address: %w", ErrInvalidAddress)

	// ErrInvalidConfig: New was given a Config with an impossible value;
	// the message names the field. No socket was opened.
	ErrInvalidConfig = errors.New("gossip: invalid config")

	// ErrJoinFailed: every Hello expired unanswered; the service moved to
	// DISCONNECTED. Err returns it until the next Join, wrapped in a
	// *JoinError when answers did come but this node could not read them.
	ErrJoinFailed = errors.New("gossip: no seed answered")

	// ErrAddressFamily: Join was given a seed of the other address family
	// than the node's socket (an IPv4 seed for a node bound to an IPv6
	// address, or the reverse). The default socket is never dual-stack:
	// an IPv6 socket is IPv6-only, so the seed could never be reached.
	// Nothing changed.
	ErrAddressFamily = errors.New("gossip: seed of another address family than the socket")
)

// ErrWouldBlock is returned by a Transport that cannot read or write
// without blocking; the service treats it as "nothing more for now".
var ErrWouldBlock = transport.ErrWouldBlock

// addrPort converts a multiaddr to the address the transport uses,
// mapping the conversion's errors onto this package's.
func addrPort(m multiaddr.Multiaddr) (netip.AddrPort, error) {
	a, err := udp.AddrPortFromMultiaddr(m)
	switch {
	case err == nil:
		return a, nil
	case errors.Is(err, udp.ErrNotUDP):
		return a, fmt.Errorf("%w: %v", ErrNotUDP, err)
	default:
		return a, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
}

// toMultiaddr converts an address the service holds (always IPv4 or IPv6
// with a port) to its multiaddr.
func toMultiaddr(a netip.AddrPort) multiaddr.Multiaddr {
	m, err := udp.MultiaddrFromAddrPort(a)
	if err != nil {
		panic("gossip: held an address with no multiaddr form: " + a.String())
	}
	return m
}
