package message

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
)

// describePayloadMax is how many payload bytes Describe shows in hex
// before it elides the rest with "...".
const describePayloadMax = 32

// Describe returns the canonical one-line text of datagram b, used alike by
// logs and golden files:
//
//	Hello seq=7 member=00000000000000a1@/ip4/127.0.0.1/udp/7070
//	Welcome seq=9 hello=7 member=00000000000000a1@/ip4/127.0.0.1/udp/7070
//	MemberList seq=3 count=2 [00000000000000a1@/ip4/127.0.0.1/udp/7070 00000000000000b2@/ip6/::1/udp/7071]
//	Ack seq=4 acked=7
//	Data seq=5 origin=00000000000000a1 originSeq=1 len=5 payload=68656c6c6f
//	Status seq=6 count=2 [00000000000000a1:3 00000000000000b2:1]
//	Leave seq=8 member=00000000000000a1@/ip4/127.0.0.1/udp/7070
//	Sealed len=60
//	invalid: message: Welcome.member.addrLen: address invalid
//
// Ids are 16 hex digits, seqs decimal, addresses multiaddr text, and a Data
// payload is hex, cut after 32 bytes with "...". A Sealed datagram is not
// opened: only its length is shown. Anything [Decode] rejects describes as
// "invalid: " and the error.
func Describe(b []byte) string {
	var buf [128]byte
	return string(AppendDescribe(buf[:0], b))
}

// AppendDescribe appends [Describe] of b to dst, for loggers that reuse a
// buffer.
func AppendDescribe(dst, b []byte) []byte {
	var m Message
	if err := Decode(b, &m); err != nil {
		if errors.Is(err, ErrSealed) {
			dst = append(dst, "Sealed len="...)
			return strconv.AppendInt(dst, int64(len(b)), 10)
		}
		dst = append(dst, "invalid: "...)
		return append(dst, err.Error()...)
	}
	dst = append(dst, m.Header.Type.String()...)
	dst = append(dst, " seq="...)
	dst = strconv.AppendUint(dst, uint64(m.Header.Seq), 10)
	switch m.Header.Type {
	case TypeHello:
		dst = appendMember(append(dst, " member="...), m.Hello.Member)
	case TypeWelcome:
		dst = strconv.AppendUint(append(dst, " hello="...), uint64(m.Welcome.HelloSeq), 10)
		dst = appendMember(append(dst, " member="...), m.Welcome.Member)
	case TypeMemberList:
		dst = strconv.AppendInt(append(dst, " count="...), int64(m.MemberList.Count()), 10)
		dst = append(dst, " ["...)
		for it, i := m.MemberList.Iter(), 0; ; i++ {
			mem, ok := it.Next()
			if !ok {
				break
			}
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendMember(dst, mem)
		}
		dst = append(dst, ']')
	case TypeAck:
		dst = strconv.AppendUint(append(dst, " acked="...), uint64(m.Ack.AckedSeq), 10)
	case TypeData:
		d := &m.Data
		dst = appendID(append(dst, " origin="...), d.Origin)
		dst = strconv.AppendUint(append(dst, " originSeq="...), uint64(d.OriginSeq), 10)
		dst = strconv.AppendInt(append(dst, " len="...), int64(len(d.Payload)), 10)
		dst = append(dst, " payload="...)
		if len(d.Payload) > describePayloadMax {
			dst = append(hex.AppendEncode(dst, d.Payload[:describePayloadMax]), "..."...)
		} else {
			dst = hex.AppendEncode(dst, d.Payload)
		}
	case TypeStatus:
		s := &m.Status
		dst = strconv.AppendInt(append(dst, " count="...), int64(s.Count()), 10)
		dst = append(dst, " ["...)
		for i := range s.Count() {
			if i > 0 {
				dst = append(dst, ' ')
			}
			id, seq := s.Record(i)
			dst = strconv.AppendUint(append(appendID(dst, id), ':'), uint64(seq), 10)
		}
		dst = append(dst, ']')
	case TypeLeave:
		dst = appendMember(append(dst, " member="...), m.Leave.Member)
	}
	return dst
}

// appendID appends id as 16 lowercase hex digits.
func appendID(dst []byte, id uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[id>>uint(shift)&0xf])
	}
	return dst
}

// appendMember appends m as id@multiaddr.
func appendMember(dst []byte, m Member) []byte {
	return AppendAddrText(append(appendID(dst, m.ID), '@'), m.Addr)
}

// AppendAddrText appends the multiaddr text form of a, such as
// "/ip4/127.0.0.1/udp/7070" or "/ip6/::1/udp/7071", choosing the family as
// [AppendAddr] does (an IPv4-mapped address prints as
// "/ip6/::ffff:10.0.0.1/udp/P"). An address that [AddrLen] rejects appends
// "invalid".
func AppendAddrText(dst []byte, a netip.AddrPort) []byte {
	switch AddrLen(a) {
	case addrLen4:
		dst = append(dst, "/ip4/"...)
	case addrLen6:
		dst = append(dst, "/ip6/"...)
	default:
		return append(dst, "invalid"...)
	}
	dst = a.Addr().AppendTo(dst)
	return strconv.AppendUint(append(dst, "/udp/"...), uint64(a.Port()), 10)
}
