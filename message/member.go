package message

import (
	"encoding/binary"
	"net/netip"
)

// Member is one node of the cluster as it travels on the wire: id u64,
// addrLen u8, then addrLen bytes of binary multiaddr.
type Member struct {
	// ID is the node id, random and never 0.
	ID uint64
	// Addr is the node's UDP address. Only addresses that [AddrLen]
	// accepts can be encoded.
	Addr netip.AddrPort
}

// Len returns the encoded length of m: 9 plus [AddrLen] of its address.
func (m Member) Len() int { return 9 + AddrLen(m.Addr) }

// Valid reports whether m can be encoded: a non-zero id and an address
// that [AddrLen] accepts.
func (m Member) Valid() bool { return m.ID != 0 && AddrLen(m.Addr) != 0 }

// Binary multiaddr framing. Protocol codes are unsigned varints: ip4 is 4
// (one byte 0x04), ip6 is 41 (0x29) and udp is 273 (0x91 0x02). The udp
// port is two bytes, big-endian.
const (
	codeIP4  = 0x04
	codeIP6  = 0x29
	codeUDP0 = 0x91
	codeUDP1 = 0x02
	addrLen4 = 1 + 4 + 2 + 2
	addrLen6 = 1 + 16 + 2 + 2
)

// AddrLen returns the length of a's binary multiaddr: 9 for an IPv4
// address (/ip4/A/udp/P), 21 for any other IPv6 address without a zone,
// IPv4-mapped ones included (/ip6/A/udp/P), and 0 if a cannot be encoded.
func AddrLen(a netip.AddrPort) int {
	ip := a.Addr()
	switch {
	case ip.Is4():
		return addrLen4
	case ip.Is6() && ip.Zone() == "":
		return addrLen6
	}
	return 0
}

// AppendAddr appends a's binary multiaddr to dst. An address for which
// [AddrLen] returns 0 (invalid, or with a zone) yields [ErrAddress] and dst
// unchanged. An IPv4-mapped IPv6 address stays /ip6, so it round-trips.
func AppendAddr(dst []byte, a netip.AddrPort) ([]byte, error) {
	ip := a.Addr()
	switch {
	case ip.Is4():
		b := ip.As4()
		dst = append(dst, codeIP4)
		dst = append(dst, b[:]...)
	case ip.Is6() && ip.Zone() == "":
		b := ip.As16()
		dst = append(dst, codeIP6)
		dst = append(dst, b[:]...)
	default:
		return dst, ErrAddress
	}
	port := a.Port()
	return append(dst, codeUDP0, codeUDP1, byte(port>>8), byte(port)), nil
}

// ParseAddr decodes a binary multiaddr that must be exactly /ip4/A/udp/P
// (9 bytes) or /ip6/A/udp/P (21 bytes). Anything else (other protocols,
// dns, tcp, a non-minimal varint, extra or missing bytes) yields
// [ErrAddress].
func ParseAddr(b []byte) (netip.AddrPort, error) {
	var ip netip.Addr
	switch {
	case len(b) == addrLen4 && b[0] == codeIP4:
		ip = netip.AddrFrom4([4]byte(b[1:5]))
	case len(b) == addrLen6 && b[0] == codeIP6:
		ip = netip.AddrFrom16([16]byte(b[1:17]))
	default:
		return netip.AddrPort{}, ErrAddress
	}
	udp := b[len(b)-4:]
	if udp[0] != codeUDP0 || udp[1] != codeUDP1 {
		return netip.AddrPort{}, ErrAddress
	}
	return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(udp[2:])), nil
}

// memberLen returns m's encoded length, or the error that keeps it from
// being encoded, checking fields in wire order.
func memberLen(m Member) (int, error) {
	if m.ID == 0 {
		return 0, ErrInvalid
	}
	n := AddrLen(m.Addr)
	if n == 0 {
		return 0, ErrAddress
	}
	return 9 + n, nil
}

// putMember writes m into b, which the caller has checked with memberLen,
// and returns the length written.
func putMember(b []byte, m Member) int {
	binary.BigEndian.PutUint64(b, m.ID)
	addr, _ := AppendAddr(b[9:9], m.Addr)
	b[8] = byte(len(addr))
	return 9 + len(addr)
}

// memberErrs are the precomputed errors of one message type's member field.
type memberErrs struct {
	idShort, idZero, addrLenShort, addrLenBad, addrShort, addrBad *DecodeError
}

func newMemberErrs(t Type) *memberErrs {
	return &memberErrs{
		idShort:      fieldErr(t, "member.id", ErrShort),
		idZero:       fieldErr(t, "member.id", ErrInvalid),
		addrLenShort: fieldErr(t, "member.addrLen", ErrShort),
		addrLenBad:   fieldErr(t, "member.addrLen", ErrAddress),
		addrShort:    fieldErr(t, "member.addr", ErrShort),
		addrBad:      fieldErr(t, "member.addr", ErrAddress),
	}
}

// decodeMember decodes the member at the start of b and returns it with the
// bytes after it. The error is the first problem met reading front to back.
func decodeMember(b []byte, e *memberErrs) (Member, []byte, error) {
	if len(b) < 8 {
		return Member{}, nil, e.idShort
	}
	id := binary.BigEndian.Uint64(b)
	if id == 0 {
		return Member{}, nil, e.idZero
	}
	if len(b) < 9 {
		return Member{}, nil, e.addrLenShort
	}
	n := int(b[8])
	if n == 0 || n > MaxAddrLen {
		return Member{}, nil, e.addrLenBad
	}
	if len(b) < 9+n {
		return Member{}, nil, e.addrShort
	}
	addr, err := ParseAddr(b[9 : 9+n])
	if err != nil {
		return Member{}, nil, e.addrBad
	}
	return Member{ID: id, Addr: addr}, b[9+n:], nil
}

// encodeMemberMessage checks and writes the header and member of a message
// whose body is skip fixed bytes, which the caller fills after a nil error,
// followed by one member: Hello, Welcome and Leave.
func encodeMemberMessage(b []byte, t Type, seq uint32, skip int, m Member) (int, error) {
	n, err := memberLen(m)
	if err != nil {
		return 0, err
	}
	n += HeaderSize + skip
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, t, seq)
	putMember(b[HeaderSize+skip:], m)
	return n, nil
}
