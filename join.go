package gossip

import (
	"fmt"
	"net/netip"
)

// seedTarget returns the address to send a Hello to for the seed a, which
// must be of the family of the socket at local: a transport sends IPv4
// datagrams from an IPv4 socket and IPv6 ones from an IPv6 socket, and
// the default socket is never dual-stack (an IPv6 socket is IPv6-only), so
// a seed of the other family could never be reached, and the join would
// only time out. An IPv4-mapped IPv6 seed is taken as the IPv4 address it
// maps for an IPv4 socket.
func seedTarget(local, a netip.AddrPort) (netip.AddrPort, error) {
	ip := a.Addr()
	if ip.Is4In6() && local.Addr().Is4() {
		return netip.AddrPortFrom(ip.Unmap(), a.Port()), nil
	}
	if local.IsValid() && ip.Is4() != local.Addr().Is4() {
		family := func(ip netip.Addr) string {
			if ip.Is4() {
				return "IPv4"
			}
			return "IPv6"
		}
		return a, fmt.Errorf("%w: seed %s is %s, and this node's socket is bound to %s %s (a socket is single-family: an IPv6 one is IPv6-only)",
			ErrAddressFamily, a, family(ip), family(local.Addr()), local)
	}
	return a, nil
}
