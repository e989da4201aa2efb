package udp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/multiformats/go-multiaddr"
)

// ErrNotUDP reports a multiaddr that is well formed but is not of the one
// shape this package accepts, /ip4/A/udp/P or /ip6/A/udp/P: another
// transport (/tcp), a name (/dns4), a zone (/ip6zone), a missing /udp, or
// components after the port (/p2p, /quic-v1, ...).
var ErrNotUDP = errors.New("not an /ip4|/ip6 .../udp/PORT multiaddr")

// ErrInvalidAddress reports an address that cannot be used at all: an empty
// multiaddr or netip.AddrPort, a malformed component value, an IPv6 zone
// that is not a numeric interface index, or an address of the wrong family
// for the socket it is used with.
var ErrInvalidAddress = errors.New("invalid address")

// AddrPortFromMultiaddr converts /ip4/A/udp/P or /ip6/A/udp/P to an
// address and port. Anything else returns an error wrapping ErrNotUDP (a
// different shape) or ErrInvalidAddress (an empty or malformed multiaddr).
//
// An /ip6 address of the IPv4-mapped form (::ffff:a.b.c.d) is returned as
// the 16-byte address it is; call Unmap on the result to get the IPv4 one.
func AddrPortFromMultiaddr(m multiaddr.Multiaddr) (netip.AddrPort, error) {
	if len(m) == 0 {
		return netip.AddrPort{}, fmt.Errorf("udp: empty multiaddr: %w", ErrInvalidAddress)
	}
	if len(m) != 2 {
		return netip.AddrPort{}, fmt.Errorf("udp: %s has %d components, want 2: %w", m, len(m), ErrNotUDP)
	}
	ipc, portc := &m[0], &m[1]

	var ip netip.Addr
	raw := ipc.RawValue()
	switch ipc.Code() {
	case multiaddr.P_IP4:
		if len(raw) != 4 {
			return netip.AddrPort{}, fmt.Errorf("udp: %s: /ip4 value of %d bytes: %w", m, len(raw), ErrInvalidAddress)
		}
		ip = netip.AddrFrom4([4]byte(raw))
	case multiaddr.P_IP6:
		if len(raw) != 16 {
			return netip.AddrPort{}, fmt.Errorf("udp: %s: /ip6 value of %d bytes: %w", m, len(raw), ErrInvalidAddress)
		}
		ip = netip.AddrFrom16([16]byte(raw))
	default:
		return netip.AddrPort{}, fmt.Errorf("udp: %s does not start with /ip4 or /ip6: %w", m, ErrNotUDP)
	}

	if portc.Code() != multiaddr.P_UDP {
		return netip.AddrPort{}, fmt.Errorf("udp: %s: second component is not /udp: %w", m, ErrNotUDP)
	}
	raw = portc.RawValue()
	if len(raw) != 2 {
		return netip.AddrPort{}, fmt.Errorf("udp: %s: /udp value of %d bytes: %w", m, len(raw), ErrInvalidAddress)
	}
	return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(raw)), nil
}

// MultiaddrFromAddrPort is the inverse of AddrPortFromMultiaddr: an IPv4
// address gives /ip4/A/udp/P and an IPv6 one (IPv4-mapped included) gives
// /ip6/A/udp/P. Port 0 is kept. An invalid AddrPort, or one whose address
// carries an IPv6 zone, returns an error wrapping ErrInvalidAddress.
func MultiaddrFromAddrPort(a netip.AddrPort) (multiaddr.Multiaddr, error) {
	if !a.IsValid() {
		return nil, fmt.Errorf("udp: zero netip.AddrPort: %w", ErrInvalidAddress)
	}
	ip := a.Addr()
	if ip.Zone() != "" {
		return nil, fmt.Errorf("udp: %s: zoned addresses have no /ip6/A/udp/P form: %w", a, ErrInvalidAddress)
	}
	proto := "ip6"
	if ip.Is4() {
		proto = "ip4"
	}
	ipc, err := multiaddr.NewComponent(proto, ip.String())
	if err != nil {
		return nil, fmt.Errorf("udp: %s: %w: %w", a, ErrInvalidAddress, err)
	}
	portc, err := multiaddr.NewComponent("udp", strconv.Itoa(int(a.Port())))
	if err != nil {
		return nil, fmt.Errorf("udp: %s: %w: %w", a, ErrInvalidAddress, err)
	}
	return multiaddr.Multiaddr{*ipc, *portc}, nil
}

// zoneIndex parses an IPv6 zone. Only numeric interface indexes are
// understood: resolving a name would need package net or an ioctl per
// call, and the addresses this package hands out carry numeric zones.
func zoneIndex(zone string) (uint32, error) {
	if zone == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(zone, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("zone %q is not a numeric interface index: %w", zone, ErrInvalidAddress)
	}
	return uint32(n), nil
}
