// Package addrhash hashes a UDP address to 64 bits, for tables that keep
// a hash instead of the address or rate-limit by it.
package addrhash

import (
	"encoding/binary"
	"net/netip"
)

// Of returns a hash of a in which every bit of the address and the port
// moves every bit of the result. An IPv4 address and its IPv6-mapped form
// are one address to it (they reach the same socket). It is not keyed: a caller whose table an
// attacker could aim addresses at must mix in a secret of its own.
func Of(a netip.AddrPort) uint64 {
	b := a.Addr().As16()
	return Mix64(binary.BigEndian.Uint64(b[8:]) ^ Mix64(binary.BigEndian.Uint64(b[:8])^uint64(a.Port())))
}

// Mix64 is the finaliser of SplitMix64: every input bit moves every
// output bit.
func Mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
