package gossip

import "net/netip"

// recipientWriter is implemented by a transport that wants to know, with
// each datagram, the node id of its recipient as the envelope names it (0
// when unknown: a Hello to a seed, an Ack to a sender not in the member
// table). The sealing layer does: a sealed datagram is bound to its
// recipient (docs/protocol.md, "Sealed datagrams, version 2"). New checks
// for it once, so Send pays no interface conversion per datagram.
type recipientWriter interface {
	WriteToID(b []byte, to netip.AddrPort, id uint64) error
}
