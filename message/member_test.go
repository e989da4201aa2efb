package message

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"testing"
)

func TestAddrCodecRoundTrip(t *testing.T) {
	tests := []struct {
		addr string
		hex  string
	}{
		{"127.0.0.1:7070", "047f00000191021b9e"},
		{"0.0.0.0:0", "04000000009102" + "0000"},
		{"255.255.255.255:65535", "04ffffffff9102ffff"},
		{"[::1]:7071", "29" + "00000000000000000000000000000001" + "91021b9f"},
		{"[2001:db8::42]:443", "29" + "20010db8000000000000000000000042" + "910201bb"},
		// IPv4-mapped IPv6 stays /ip6 so that it round-trips unchanged.
		{"[::ffff:10.0.0.1]:1", "29" + "00000000000000000000ffff0a000001" + "91020001"},
	}
	for _, tt := range tests {
		a := netip.MustParseAddrPort(tt.addr)
		want, _ := hex.DecodeString(tt.hex)
		got, err := AppendAddr([]byte{0xaa}, a)
		if err != nil || !bytes.Equal(got[1:], want) || got[0] != 0xaa {
			t.Errorf("AppendAddr(%v) = %x, %v; want aa%x", a, got, err, want)
		}
		if AddrLen(a) != len(want) {
			t.Errorf("AddrLen(%v) = %d; want %d", a, AddrLen(a), len(want))
		}
		back, err := ParseAddr(want)
		if err != nil || back != a {
			t.Errorf("ParseAddr(%x) = %v, %v; want %v", want, back, err, a)
		}
	}
}

func TestAppendAddrRejectsUnencodable(t *testing.T) {
	for _, a := range []netip.AddrPort{
		{}, // invalid address
		netip.MustParseAddrPort("[fe80::1%eth0]:7070"),
		netip.AddrPortFrom(netip.Addr{}, 7070),
	} {
		dst := []byte{1, 2}
		got, err := AppendAddr(dst, a)
		if err != ErrAddress || !bytes.Equal(got, dst) || AddrLen(a) != 0 {
			t.Errorf("AppendAddr(%v) = %x, %v (AddrLen %d); want ErrAddress and dst unchanged", a, got, err, AddrLen(a))
		}
	}
}

func TestParseAddrRejectsOtherMultiaddrs(t *testing.T) {
	tests := map[string]string{
		"empty":                   "",
		"ip4 without udp":         "047f000001",
		"ip4/tcp":                 "047f000001061b9e",
		"ip4/udp short port":      "047f0000019102" + "1b",
		"ip4/udp extra byte":      "047f00000191021b9e00",
		"ip4/udp/quic-v1":         "047f00000191021b9e" + "cc03",
		"ip4 code with ip6 size":  "04" + "00000000000000000000000000000001" + "91021b9f",
		"ip6 code with ip4 size":  "297f00000191021b9e",
		"non-minimal ip4 varint":  "8400" + "7f00000191021b9e",
		"non-minimal udp varint":  "047f000001" + "918200" + "1b9e",
		"udp code 0x91 0x03":      "047f00000191031b9e",
		"dns4":                    "36" + "09" + "6c6f63616c686f7374" + "91021b9e",
		"ip6zone":                 "2a" + "0465746830" + "29" + "fe800000000000000000000000000001" + "91021b9e",
		"unknown code":            "ff7f00000191021b9e",
		"ip4/udp padded to 21":    "047f00000191021b9e000000000000000000000000",
		"ip6/tcp":                 "29" + "00000000000000000000000000000001" + "06" + "1b9f" + "00",
		"ip6/udp missing a byte":  "29" + "00000000000000000000000000000001" + "91021b",
		"ip6/udp with extra byte": "29" + "00000000000000000000000000000001" + "91021b9f00",
	}
	for name, h := range tests {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, err := ParseAddr(b); err != ErrAddress {
			t.Errorf("%s: ParseAddr(%x) = %v, %v; want ErrAddress", name, b, a, err)
		}
		if _, ok := refParseAddr(b); ok {
			t.Errorf("%s: reference parser accepts %x", name, b)
		}
	}
}

func TestMemberLenAndValid(t *testing.T) {
	tests := []struct {
		m     Member
		len   int
		valid bool
	}{
		{memberA1, 18, true},
		{memberB2, 30, true},
		{Member{ID: 0, Addr: addr4}, 18, false},
		{Member{ID: 1}, 9, false},
		{Member{ID: 1, Addr: netip.MustParseAddrPort("[fe80::1%eth0]:1")}, 9, false},
	}
	for _, tt := range tests {
		if got := tt.m.Len(); got != tt.len {
			t.Errorf("%+v.Len() = %d; want %d", tt.m, got, tt.len)
		}
		if got := tt.m.Valid(); got != tt.valid {
			t.Errorf("%+v.Valid() = %v; want %v", tt.m, got, tt.valid)
		}
	}
}

// memberMessages are the types whose body ends in one Member, with the body
// bytes that come before it.
var memberMessages = []struct {
	typ    Type
	prefix []byte
	encode func(b []byte, m Member) (int, error)
}{
	{TypeHello, nil, func(b []byte, m Member) (int, error) { return (&Hello{Member: m}).Encode(b, 1) }},
	{TypeWelcome, be32(7), func(b []byte, m Member) (int, error) { return (&Welcome{HelloSeq: 7, Member: m}).Encode(b, 1) }},
	{TypeLeave, nil, func(b []byte, m Member) (int, error) { return (&Leave{Member: m}).Encode(b, 1) }},
	{TypeMemberList, be16(1), nil},
	{TypeProbeRequest, nil, func(b []byte, m Member) (int, error) { return (&ProbeRequest{Target: m}).Encode(b, 1) }},
}

// TestMemberFieldsAreStrict runs the member cases through every message
// type that carries a member.
func TestMemberFieldsAreStrict(t *testing.T) {
	ip4 := mustHex("047f00000191021b9e")
	ip6 := mustHex("29" + "00000000000000000000000000000001" + "91021b9f")
	tests := []struct {
		name   string
		member []byte
		field  string
		err    error
	}{
		{"id 0", cat(be64(0), []byte{9}, ip4), "member.id", ErrInvalid},
		{"addrLen 0", cat(be64(0xa1), []byte{0}, ip4), "member.addrLen", ErrAddress},
		{"addrLen 65", cat(be64(0xa1), []byte{65}, ip4, make([]byte, 56)), "member.addrLen", ErrAddress},
		{"addrLen 255", cat(be64(0xa1), []byte{255}), "member.addrLen", ErrAddress},
		{"addrLen 10 for an ip4 address", cat(be64(0xa1), []byte{10}, ip4, []byte{0}), "member.addr", ErrAddress},
		{"addrLen 8 for an ip4 address", cat(be64(0xa1), []byte{8}, ip4), "member.addr", ErrAddress},
		{"addrLen 21 for an ip4 address", cat(be64(0xa1), []byte{21}, ip4, make([]byte, 12)), "member.addr", ErrAddress},
		{"addrLen 9 for an ip6 address", cat(be64(0xa1), []byte{9}, ip6[:9]), "member.addr", ErrAddress},
		{"addrLen beyond the datagram", cat(be64(0xa1), []byte{21}, ip4), "member.addr", ErrShort},
		{"tcp address", cat(be64(0xa1), []byte{9}, mustHex("047f000001061b9e00")), "member.addr", ErrAddress},
		{"no addrLen", be64(0xa1), "member.addrLen", ErrShort},
		{"short id", be64(0xa1)[:5], "member.id", ErrShort},
	}
	for _, mm := range memberMessages {
		for _, tt := range tests {
			t.Run(mm.typ.String()+"/"+tt.name, func(t *testing.T) {
				wantDecodeError(t, datagram(mm.typ, 3, mm.prefix, tt.member), mm.typ, tt.field, tt.err)
			})
		}
	}
}

func TestMemberMessagesRoundTrip(t *testing.T) {
	members := []Member{
		memberA1, memberB2,
		{ID: ^uint64(0), Addr: netip.MustParseAddrPort("[::ffff:10.0.0.1]:65535")},
		{ID: 1, Addr: netip.MustParseAddrPort("0.0.0.0:0")},
	}
	for _, mm := range memberMessages {
		if mm.encode == nil {
			continue
		}
		for _, want := range members {
			b := make([]byte, 64)
			n, err := mm.encode(b, want)
			if err != nil {
				t.Fatalf("%v: Encode(%+v): %v", mm.typ, want, err)
			}
			var m Message
			if err := Decode(b[:n], &m); err != nil {
				t.Fatalf("%v: Decode: %v", mm.typ, err)
			}
			got := map[Type]Member{
				TypeHello: m.Hello.Member, TypeWelcome: m.Welcome.Member, TypeLeave: m.Leave.Member,
				TypeProbeRequest: m.ProbeRequest.Target,
			}[mm.typ]
			if got != want || m.Header.Type != mm.typ {
				t.Errorf("%v: round trip of %+v gave %+v", mm.typ, want, m)
			}
		}
	}
}

func TestMemberMessagesRefuseUnencodableMembers(t *testing.T) {
	zone := netip.MustParseAddrPort("[fe80::1%eth0]:7070")
	tests := []struct {
		m   Member
		err error
	}{
		{Member{ID: 0, Addr: addr4}, ErrInvalid},
		{Member{ID: 1, Addr: zone}, ErrAddress},
		{Member{ID: 1}, ErrAddress},
		{Member{}, ErrInvalid},
	}
	for _, mm := range memberMessages {
		if mm.encode == nil {
			continue
		}
		for _, tt := range tests {
			b := bytes.Repeat([]byte{0xee}, 64)
			n, err := mm.encode(b, tt.m)
			if n != 0 || !errors.Is(err, tt.err) {
				t.Errorf("%v: Encode(%+v) = %d, %v; want %v", mm.typ, tt.m, n, err, tt.err)
			}
			if !bytes.Equal(b, bytes.Repeat([]byte{0xee}, 64)) {
				t.Errorf("%v: failed Encode wrote %x", mm.typ, b)
			}
		}
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
