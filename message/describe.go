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
//	Join seq=9 alive(00000000000000a1@/ip4/127.0.0.1/udp/7070 inc=1 meta=6869)
//	Update seq=3 rumor=1 count=2 [suspect(00000000000000b2 inc=4 from=00000000000000a1) left(00000000000000c3 inc=1)]
//	ProbeRequest seq=11 target=00000000000000b2@/ip6/::1/udp/7071
//	ProbeResult seq=12 request=11 target=00000000000000b2 reached=true
//	Digest seq=14 answer=false buckets=2 [3:9f2c41d0 0:0]
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
	case TypeData, TypeCopy:
		d := &m.Data
		if m.Header.Type == TypeCopy {
			d = &m.Copy
		}
		dst = appendID(append(dst, " origin="...), d.Origin)
		dst = strconv.AppendUint(append(dst, " originSeq="...), uint64(d.OriginSeq), 10)
		dst = strconv.AppendInt(append(dst, " len="...), int64(len(d.Payload)), 10)
		dst = appendHex(append(dst, " payload="...), d.Payload)
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
	case TypeJoin:
		dst = append(dst, ' ')
		dst = appendRecord(dst, &m.Join.Record)
	case TypeUpdate:
		u := &m.Update
		dst = append(dst, " rumor="...)
		if u.Rumor() {
			dst = append(dst, '1')
		} else {
			dst = append(dst, '0')
		}
		dst = strconv.AppendInt(append(dst, " count="...), int64(u.Count()), 10)
		dst = append(dst, " ["...)
		for it, i := u.Iter(), 0; ; i++ {
			r, ok := it.Next()
			if !ok {
				break
			}
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendRecord(dst, &r)
		}
		dst = append(dst, ']')
	case TypeProbeRequest:
		dst = appendMember(append(dst, " target="...), m.ProbeRequest.Target)
	case TypeDigest:
		d := &m.Digest
		dst = strconv.AppendBool(append(dst, " answer="...), d.Answer)
		dst = strconv.AppendInt(append(dst, " buckets="...), int64(1<<d.Bits()), 10)
		dst = append(dst, " ["...)
		for i := range 1 << d.Bits() {
			if i > 0 {
				dst = append(dst, ' ')
			}
			c, h := d.Bucket(i)
			dst = strconv.AppendUint(dst, uint64(c), 10)
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(h), 16)
		}
		dst = append(dst, ']')
	case TypeProbeResult:
		p := &m.ProbeResult
		dst = strconv.AppendUint(append(dst, " request="...), uint64(p.RequestSeq), 10)
		dst = appendID(append(dst, " target="...), p.Target)
		dst = strconv.AppendBool(append(dst, " reached="...), p.Reached)
	}
	return dst
}

// appendRecord appends r as kind(id@addr inc=N meta=hex) for an Alive
// record, kind(id inc=N from=id) for Suspect and Failed, left(id inc=N).
func appendRecord(dst []byte, r *Record) []byte {
	dst = append(append(dst, r.Kind.String()...), '(')
	dst = appendID(dst, r.ID)
	if r.Kind == RecordAlive {
		dst = AppendAddrText(append(dst, '@'), r.Addr)
	}
	dst = strconv.AppendUint(append(dst, " inc="...), uint64(r.Inc), 10)
	switch r.Kind {
	case RecordAlive:
		if len(r.Meta) > 0 {
			dst = appendHex(append(dst, " meta="...), r.Meta)
		}
	case RecordSuspect, RecordFailed:
		dst = appendID(append(dst, " from="...), r.From)
	}
	return append(dst, ')')
}

// appendHex appends b in hex, cut after describePayloadMax bytes with "...".
func appendHex(dst, b []byte) []byte {
	if len(b) > describePayloadMax {
		return append(hex.AppendEncode(dst, b[:describePayloadMax]), "..."...)
	}
	return hex.AppendEncode(dst, b)
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
