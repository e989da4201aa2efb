package node

import (
	"net/netip"
	"strconv"

	"github.com/rs/zerolog"
)

// The library's log lines print ids and addresses the way the root
// package's NodeID and the demos do: an id as 16 hex digits, an address
// as its multiaddr text (/ip4/A/udp/P). These helpers format nothing when
// the event is nil, that is when its level is off, so a disabled debug
// line costs neither a conversion nor an allocation.

// LogMember adds a member's id and address to e.
func LogMember(e *zerolog.Event, id uint64, a netip.AddrPort) *zerolog.Event {
	if e == nil {
		return nil
	}
	return LogAddr(e.Str("member", HexID(id)), "addr", a)
}

// LogID adds an id, as 16 hex digits, to e under key.
func LogID(e *zerolog.Event, key string, id uint64) *zerolog.Event {
	if e == nil {
		return nil
	}
	return e.Str(key, HexID(id))
}

// LogAddr adds an address, as multiaddr text, to e under key.
func LogAddr(e *zerolog.Event, key string, a netip.AddrPort) *zerolog.Event {
	if e == nil {
		return nil
	}
	return e.Str(key, AddrText(a))
}

// HexID formats an id as 16 hex digits.
func HexID(id uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[id&0xf]
		id >>= 4
	}
	return string(b[:])
}

// AddrText formats an address as multiaddr text: /ip4/A/udp/P or
// /ip6/A/udp/P (an IPv6 zone is left out, as multiaddrs have none).
func AddrText(a netip.AddrPort) string {
	if !a.IsValid() {
		return "invalid"
	}
	ip := a.Addr().WithZone("")
	proto := "/ip6/"
	if ip.Is4() {
		proto = "/ip4/"
	}
	return proto + ip.String() + "/udp/" + strconv.Itoa(int(a.Port()))
}

// String returns the event's name, as the root package's
// MemberEventKind prints it.
func (e MemberEvent) String() string {
	switch e {
	case MemberJoined:
		return "joined"
	case MemberLeft:
		return "left"
	case MemberFailed:
		return "failed"
	case MemberReplaced:
		return "replaced"
	case MemberUpdated:
		return "updated"
	}
	return "MemberEvent(" + strconv.Itoa(int(e)) + ")"
}
