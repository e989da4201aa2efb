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
		b := make([]byte, 1024) // a 128-bucket Digest is 778 bytes
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
		{"unknown type", datagram(15, 1), "invalid: message: header.type: unknown type"},
		{"copy cut in its payload", datagram(TypeCopy, 2, be64(0xa1), be32(1), be16(3), []byte("hi")), "invalid: message: Copy.payload: datagram too short"},
		{"bad addrLen",
			datagram(TypeWelcome, 9, be32(7), be64(0xa1), []byte{0}),
			"invalid: message: Welcome.member.addrLen: address invalid"},

		// The extension lines of Describe's doc comment.
		{"join doc example",
			enc(encodeWith(&Join{Record: Record{ID: 0xa1, Inc: 1, Addr: addr4, Meta: []byte("hi")}}, 9)),
			"Join seq=9 alive(00000000000000a1@/ip4/127.0.0.1/udp/7070 inc=1 meta=6869)"},
		{"update doc example",
			enc(writeUpdate(3, true, Record{Kind: RecordSuspect, ID: 0xb2, Inc: 4, From: 0xa1}, Record{Kind: RecordLeft, ID: 0xc3, Inc: 1})),
			"Update seq=3 rumor=1 count=2 [suspect(00000000000000b2 inc=4 from=00000000000000a1) left(00000000000000c3 inc=1)]"},
		{"probe request doc example",
			enc(encodeWith(&ProbeRequest{Target: memberB2}, 11)),
			"ProbeRequest seq=11 target=00000000000000b2@/ip6/::1/udp/7071"},
		{"probe result doc example",
			enc(encodeWith(&ProbeResult{RequestSeq: 11, Target: 0xb2, Reached: true}, 12)),
			"ProbeResult seq=12 request=11 target=00000000000000b2 reached=true"},
		{"digest doc example",
			datagram(TypeDigest, 14, []byte{0, 1}, be16(3), be32(0x9f2c41d0), be16(0), be32(0)),
			"Digest seq=14 answer=false buckets=2 [3:9f2c41d0 0:0]"},
		{"metadata of 33 bytes is cut",
			enc(encodeWith(&Join{Record: Record{ID: 1, Inc: 2, Addr: addr6, Meta: payload(33)}}, 9)),
			"Join seq=9 alive(0000000000000001@/ip6/::1/udp/7071 inc=2 meta=" + hex32 + "...)"},
		{"failed record and an empty rumor",
			enc(writeUpdate(4, false, Record{Kind: RecordFailed, ID: ^uint64(0), Inc: ^uint32(0), From: 1})),
			"Update seq=4 rumor=0 count=1 [failed(ffffffffffffffff inc=4294967295 from=0000000000000001)]"},
		{"empty update", enc(writeUpdate(5, true)), "Update seq=5 rumor=1 count=0 []"},
		{"probe nack",
			enc(encodeWith(&ProbeResult{Target: 0xb2}, 0)),
			"ProbeResult seq=0 request=0 target=00000000000000b2 reached=false"},
		{"bad record kind",
			datagram(TypeUpdate, 3, []byte{1}, be16(1), []byte{9}),
			"invalid: message: Update.record.kind: invalid value"},
		{"bad reached",
			datagram(TypeProbeResult, 12, be32(11), be64(0xb2), []byte{2}),
			"invalid: message: ProbeResult.reached: invalid value"},
		{"digest answer, largest count and hash, hash without leading zeros",
			datagram(TypeDigest, 13, []byte{1, 2}, be16(0xffff), be32(0xffffffff), be16(1), be32(0xabc), be16(0), be32(0), be16(7), be32(0x01000000)),
			"Digest seq=13 answer=true buckets=4 [65535:ffffffff 1:abc 0:0 7:1000000]"},
		{"digest of 128 buckets", enc(encodeWith(newDigest(MaxDigestBits, false), 13)),
			"Digest seq=13 answer=false buckets=128 [" + strings.Repeat("0:0 ", 127) + "0:0]"},
		{"digest bits 0",
			datagram(TypeDigest, 13, []byte{0, 0}, be16(1), be32(1)),
			"invalid: message: Digest.bits: invalid value"},
		{"digest one byte short of its buckets",
			datagram(TypeDigest, 13, []byte{0, 1}, make([]byte, 11)),
			"invalid: message: Digest.bucket: datagram too short"},
		{"join cut in its metadata",
			datagram(TypeJoin, 9, be64(0xa1), be32(1), []byte{9}, mustHex("047f00000191021b9e"), []byte{2}, []byte("h")),
			"invalid: message: Join.meta: datagram too short"},
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
