package gossip

import (
	"errors"
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
	// port over IPv4 or IPv6 (a TCP address, say, or a DNS name where only
	// an IP address will do). errors.Is also matches it as
	// ErrInvalidAddress.
	ErrNotUDP error = notUDP{}

	// ErrInvalidConfig: New was given a Config with an impossible value;
	// the message names the field. No socket was opened.
	ErrInvalidConfig = errors.New("gossip: invalid config")

	// ErrMetaTooLarge: metadata longer than Config.MaxMetaSize, in Config.Meta
	// (wrapped in ErrInvalidConfig) or SetMeta. Nothing changed.
	ErrMetaTooLarge = errors.New("gossip: metadata too large")

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

// notUDP is ErrNotUDP: its own text, and a kind of ErrInvalidAddress.
type notUDP struct{}

func (notUDP) Error() string        { return "gossip: not a UDP address" }
func (notUDP) Is(target error) bool { return target == ErrInvalidAddress }

// addrError is what addrPort returns: the reason without a package
// prefix, so that the caller's context ("gossip: seed /ip4/...: ") is
// the only one, and errors.Is matching ErrNotUDP or ErrInvalidAddress.
type addrError struct {
	kind   error
	reason string
}

func (e addrError) Error() string { return e.reason }
func (e addrError) Unwrap() error { return e.kind }

// addrPort converts a multiaddr to the address the transport uses,
// mapping the conversion's errors onto this package's. The error's text
// is the reason alone; the caller names the address and the field.
func addrPort(m multiaddr.Multiaddr) (netip.AddrPort, error) {
	a, err := udp.AddrPortFromMultiaddr(m)
	switch {
	case err == nil:
		return a, nil
	case errors.Is(err, udp.ErrNotUDP):
		return a, addrError{ErrNotUDP, "not a UDP address; want /ip4/A/udp/P or /ip6/A/udp/P"}
	case len(m) == 0:
		return a, addrError{ErrInvalidAddress, "empty address"}
	default:
		return a, addrError{ErrInvalidAddress, "invalid address: a malformed /ip4, /ip6 or /udp value"}
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
