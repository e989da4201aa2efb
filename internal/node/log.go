package node

import (
	"net/netip"
	"strconv"

	"github.com/tickgossip/gossip/message"
)

// hexID prints a node id as the demos and Describe do: 16 hex digits.
type hexID uint64

func (id hexID) String() string {
	s := strconv.FormatUint(uint64(id), 16)
	const zeros = "0000000000000000"
	return zeros[:16-len(s)] + s
}

// addrText prints an address as a multiaddr, as the demos do.
type addrText netip.AddrPort

func (a addrText) String() string { return string(message.AppendAddrText(nil, netip.AddrPort(a))) }

var eventNames = [...]string{MemberJoined: "joined", MemberLeft: "left", MemberFailed: "failed",
	MemberReplaced: "replaced", MemberUpdated: "updated"}

// String returns the event's name.
func (e MemberEvent) String() string {
	if int(e) < len(eventNames) && eventNames[e] != "" {
		return eventNames[e]
	}
	return "MemberEvent(" + strconv.Itoa(int(e)) + ")"
}
