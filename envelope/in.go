package envelope

import "net/netip"

// In is one received datagram.
type In struct {
	// From is the datagram's source address.
	From netip.AddrPort
	// Bytes is the whole datagram, header included. It aliases the
	// service's receive buffer and is valid only until the next datagram is
	// read.
	Bytes []byte
}
