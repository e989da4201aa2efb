package message

import (
	"net/netip"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	payload := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	enc := func(f func([]byte) (int, error)) []byte {
		b := make([]byte, 600)
		n, err := f(b)
		if err != nil {
			t.Fatal(err)
		}
		return b[:n]
	}
	hex32 := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	sealed := datagram(TypeSealed, 0, make([]byte, 52))
	sealed[3] = 0x17
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"payload of 32 bytes is shown whole",
			enc(encodeWith(&Data{Origin: 1, OriginSeq: 2, Payload: payload(32)}, 3)),
			"Data seq=3 origin=0000000000000001 originSeq=2 len=32 payload=" + hex32},
		{"payload of 33 bytes is cut",
			enc(encodeWith(&Data{Origin: 1, OriginSeq: 2, Payload: payload(33)}, 3)),
			"Data seq=3 origin=0000000000000001 originSeq=2 len=33 payload=" + hex32 + "..."},
		{"largest ids and seqs",
			enc(encodeWith(&Welcome{HelloSeq: 4294967295, Member: Member{ID: ^uint64(0), Addr: netip.MustParseAddrPort("[::ffff:10.0.0.1]:65535")}}, 4294967295)),
			"Welcome seq=4294967295 hello=4294967295 member=ffffffffffffffff@/ip6/::ffff:10.0.0.1/udp/65535"},
		{"sealed is not opened", sealed, "Sealed len=60"},
		{"empty datagram", nil, "invalid: message: header: datagram too short"},
		{"unknown type", datagram(9, 1), "invalid: message: header.type: unknown type"},
		{"bad addrLen",
			datagram(TypeWelcome, 9, be32(7), be64(0xa1), []byte{0}),
			"invalid: message: Welcome.member.addrLen: address invalid"},
	}
	for _, tt := range tests {
		if got := Describe(tt.b); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestDescribeIsOneLine(t *testing.T) {
	_, wires := sortedGoldens(t)
	for _, b := range wires {
		for _, v := range allVariants(b) {
			if d := Describe(v); strings.ContainsAny(d, "\n\r") || d == "" {
				t.Fatalf("Describe(%x) = %q", v, d)
			}
		}
	}
}

func TestAppendDescribeAppends(t *testing.T) {
	got := AppendDescribe([]byte("recv: "), datagram(TypeAck, 4, be32(7)))
	if string(got) != "recv: Ack seq=4 acked=7" {
		t.Fatalf("AppendDescribe = %q", got)
	}
}

func TestAppendAddrTextInvalid(t *testing.T) {
	if got := string(AppendAddrText(nil, netip.AddrPort{})); got != "invalid" {
		t.Fatalf("AppendAddrText(zero) = %q", got)
	}
}
