package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// This file holds a slow reference decoder, written straight from
// wire-format.md (and, for the extension types 9..14, from the layouts in
// their doc comments: Record, Join, Update, ProbeRequest, ProbeResult,
// Digest, and Copy, which is a Data's body under its own type) with bytes.Reader and binary.Read and allocating freely.
// FuzzDecode checks that it and the fast decoder agree on every input:
// accept or reject, the sentinel and field of a rejection, and every field
// of an acceptance. It also records each field it reads, which the golden
// files print as their annotated byte layout.

// refMessage is the reference decoder's plain view of a datagram.
type refMessage struct {
	Type      Type
	Seq       uint32
	HelloSeq  uint32 // Welcome
	AckedSeq  uint32 // Ack
	Members   []Member
	Origin    uint64      // Data
	OriginSeq uint32      // Data
	Payload   []byte      // Data
	Records   [][2]uint64 // Status

	Rumor      bool     // Update
	Membership []Record // Join (its one record), Update
	RequestSeq uint32   // ProbeResult
	Target     uint64   // ProbeResult
	Reached    bool     // ProbeResult

	Answer  bool        // Digest
	Bits    int         // Digest
	Buckets [][2]uint32 // Digest: count, hash of each bucket in order
}

// refError is a reference rejection: which type, which field, which cause.
type refError struct {
	Type  Type
	Field string
	Err   error
}

func (e *refError) Error() string { return fmt.Sprintf("%v.%s: %v", e.Type, e.Field, e.Err) }

// refSpan is one field as read, for annotation.
type refSpan struct {
	Offset int
	Bytes  []byte
	Name   string
	Note   string
}

// refReader reads fields in order, failing by panicking with a *refError
// that refDecode recovers.
type refReader struct {
	r     *bytes.Reader
	size  int
	typ   Type
	index string // list index that span names carry, such as "[1]"
	spans []refSpan
}

func (rr *refReader) fail(field string, err error) {
	panic(&refError{Type: rr.typ, Field: field, Err: err})
}

func (rr *refReader) offset() int { return rr.size - rr.r.Len() }

// span records a field as read; inside a list its name carries the index,
// as in "member[1].id", while errors name the field without it.
func (rr *refReader) span(off int, b []byte, name, note string) {
	if rr.index != "" {
		name = strings.Replace(name, ".", rr.index+".", 1)
	}
	rr.spans = append(rr.spans, refSpan{off, b, name, note})
}

// read reads a big-endian value into v, which must point to a fixed-size
// integer, failing with ErrShort at field name.
func (rr *refReader) read(name string, v any) {
	off := rr.offset()
	if err := binary.Read(rr.r, binary.BigEndian, v); err != nil {
		rr.fail(name, ErrShort)
	}
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, v)
	rr.span(off, b.Bytes(), name, "")
}

func (rr *refReader) u8(name string) (v uint8)   { rr.read(name, &v); return v }
func (rr *refReader) u16(name string) (v uint16) { rr.read(name, &v); return v }
func (rr *refReader) u32(name string) (v uint32) { rr.read(name, &v); return v }
func (rr *refReader) u64(name string) (v uint64) { rr.read(name, &v); return v }

// note annotates the span read last.
func (rr *refReader) note(s string) { rr.spans[len(rr.spans)-1].Note = s }

func (rr *refReader) bytes(name string, n int) []byte {
	off := rr.offset()
	b := make([]byte, n)
	if _, err := io.ReadFull(rr.r, b); err != nil {
		rr.fail(name, ErrShort)
	}
	rr.span(off, b, name, "")
	return b
}

// refDecode decodes datagram b, or returns *refError (or ErrSealed).
func refDecode(b []byte) (msg *refMessage, spans []refSpan, err error) {
	rr := &refReader{r: bytes.NewReader(b), size: len(b)}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*refError)
			if !ok {
				panic(r)
			}
			msg, err = nil, e
		}
		spans = rr.spans
	}()
	msg = &refMessage{}

	// Header: all 8 bytes must be there, then version, type, flags.
	var h struct {
		Type    uint16
		Version uint8
		Flags   uint8
		Seq     uint32
	}
	if err := binary.Read(rr.r, binary.BigEndian, &h); err != nil {
		rr.fail("header", ErrShort)
	}
	rr.span(0, b[0:2], "type", Type(h.Type).String())
	rr.span(2, b[2:3], "version", "")
	rr.span(3, b[3:4], "flags", "")
	rr.span(4, b[4:8], "seq", "")
	if h.Version != 1 {
		rr.fail("header.version", ErrVersion)
	}
	if h.Type < 1 || h.Type > 14 {
		rr.fail("header.type", ErrUnknownType)
	}
	if h.Type == 8 {
		return nil, rr.spans, ErrSealed
	}
	if h.Flags != 0 {
		rr.fail("header.flags", ErrFlags)
	}
	msg.Type, msg.Seq = Type(h.Type), h.Seq
	rr.typ = msg.Type

	switch msg.Type {
	case TypeHello, TypeLeave:
		msg.Members = append(msg.Members, refMember(rr))
	case TypeProbeRequest: // the target, a Member
		msg.Members = append(msg.Members, refMember(rr))
	case TypeWelcome:
		msg.HelloSeq = rr.u32("helloSeq")
		msg.Members = append(msg.Members, refMember(rr))
	case TypeMemberList:
		count := rr.u16("count")
		msg.Members = []Member{} // an empty list decodes as empty, not nil
		for i := range int(count) {
			rr.index = fmt.Sprintf("[%d]", i)
			msg.Members = append(msg.Members, refMember(rr))
		}
		rr.index = ""
	case TypeAck:
		msg.AckedSeq = rr.u32("ackedSeq")
	case TypeData, TypeCopy: // a Copy is a Data's body under type 14
		msg.Origin = rr.u64("origin")
		if msg.Origin == 0 {
			rr.fail("origin", ErrInvalid)
		}
		msg.OriginSeq = rr.u32("originSeq")
		if msg.OriginSeq == 0 {
			rr.fail("originSeq", ErrInvalid)
		}
		n := rr.u16("len")
		msg.Payload = rr.bytes("payload", int(n))
		rr.note(fmt.Sprintf("%q", msg.Payload))
	case TypeStatus:
		count := rr.u16("count")
		msg.Records = [][2]uint64{}
		for i := range int(count) {
			rr.index = fmt.Sprintf("[%d]", i)
			id := rr.u64("record.id")
			if id == 0 {
				rr.fail("record.id", ErrInvalid)
			}
			seq := rr.u32("record.seq")
			msg.Records = append(msg.Records, [2]uint64{id, uint64(seq)})
		}
		rr.index = ""
	case TypeJoin: // an alive record without its kind byte
		msg.Membership = []Record{refRecord(rr, "", RecordAlive)}
	case TypeUpdate:
		rumor := rr.u8("rumor")
		switch rumor {
		case 0:
			rr.note("state")
		case 1:
			rr.note("rumor")
		default:
			rr.fail("rumor", ErrInvalid)
		}
		msg.Rumor = rumor == 1
		count := rr.u16("count")
		msg.Membership = []Record{}
		for i := range int(count) {
			rr.index = fmt.Sprintf("[%d]", i)
			msg.Membership = append(msg.Membership, refRecord(rr, "record.", 0))
		}
		rr.index = ""
	case TypeProbeResult:
		msg.RequestSeq = rr.u32("requestSeq")
		msg.Target = rr.u64("target")
		if msg.Target == 0 {
			rr.fail("target", ErrInvalid)
		}
		switch rr.u8("reached") {
		case 0:
		case 1:
			msg.Reached = true
		default:
			rr.fail("reached", ErrInvalid)
		}
		rr.note(fmt.Sprint(msg.Reached))
	case TypeDigest: // answer u8, bits u8, then 2^bits × (count u16, hash u32)
		switch rr.u8("answer") {
		case 0:
		case 1:
			msg.Answer = true
		default:
			rr.fail("answer", ErrInvalid)
		}
		rr.note(fmt.Sprint(msg.Answer))
		bits := rr.u8("bits")
		if bits < 1 || bits > 7 {
			rr.fail("bits", ErrInvalid)
		}
		rr.note(fmt.Sprintf("%d buckets", 1<<bits))
		msg.Bits = int(bits)
		for i := range 1 << bits {
			// The layout's unit is the 6-byte bucket: a datagram that ends
			// anywhere inside the buckets is short at "bucket".
			if rr.r.Len() < 6 {
				rr.fail("bucket", ErrShort)
			}
			rr.index = fmt.Sprintf("[%d]", i)
			count := rr.u16("bucket.count")
			hash := rr.u32("bucket.hash")
			msg.Buckets = append(msg.Buckets, [2]uint32{uint32(count), hash})
		}
		rr.index = ""
	}
	if rr.r.Len() != 0 {
		rr.fail("", ErrTrailing)
	}
	return msg, rr.spans, nil
}

// refMember reads one Member.
func refMember(rr *refReader) Member {
	id := rr.u64("member.id")
	if id == 0 {
		rr.fail("member.id", ErrInvalid)
	}
	n := rr.u8("member.addrLen")
	if n == 0 || n > 64 {
		rr.fail("member.addrLen", ErrAddress)
	}
	addr := rr.bytes("member.addr", int(n))
	ap, ok := refParseAddr(addr)
	if !ok {
		rr.fail("member.addr", ErrAddress)
	}
	rr.note(string(AppendAddrText(nil, ap)))
	return Member{ID: id, Addr: ap}
}

// refRecord reads one membership record, its field names starting with
// prefix. With kind 0 the record starts with its kind byte (an Update);
// otherwise the layout has none and the record is of that kind (a Join).
func refRecord(rr *refReader, prefix string, kind RecordKind) Record {
	if kind == 0 {
		k := rr.u8(prefix + "kind")
		switch k {
		case 1:
			rr.note("alive")
		case 2:
			rr.note("suspect")
		case 3:
			rr.note("failed")
		case 4:
			rr.note("left")
		default:
			rr.fail(prefix+"kind", ErrInvalid)
		}
		kind = RecordKind(k)
	}
	r := Record{Kind: kind}
	if r.ID = rr.u64(prefix + "id"); r.ID == 0 {
		rr.fail(prefix+"id", ErrInvalid)
	}
	if r.Inc = rr.u32(prefix + "inc"); r.Inc == 0 {
		rr.fail(prefix+"inc", ErrInvalid)
	}
	switch kind {
	case 1: // alive: addrLen u8, addr, metaLen u8, meta
		n := rr.u8(prefix + "addrLen")
		if n == 0 || n > 64 {
			rr.fail(prefix+"addrLen", ErrAddress)
		}
		ap, ok := refParseAddr(rr.bytes(prefix+"addr", int(n)))
		if !ok {
			rr.fail(prefix+"addr", ErrAddress)
		}
		rr.note(string(AppendAddrText(nil, ap)))
		r.Addr = ap
		if m := rr.u8(prefix + "metaLen"); m > 0 {
			r.Meta = rr.bytes(prefix+"meta", int(m))
			rr.note(fmt.Sprintf("%q", r.Meta))
		}
	case 2, 3: // suspect, failed: from u64
		if r.From = rr.u64(prefix + "from"); r.From == 0 {
			rr.fail(prefix+"from", ErrInvalid)
		}
	case 4: // left: nothing more
	}
	return r
}

// refParseAddr reads a binary multiaddr as the multiaddr spec defines it
// (varint protocol code, then that protocol's value) and accepts exactly
// /ip4/A/udp/P and /ip6/A/udp/P with minimal varints and nothing after.
func refParseAddr(b []byte) (netip.AddrPort, bool) {
	r := bytes.NewReader(b)
	code, ok := refVarint(r)
	if !ok {
		return netip.AddrPort{}, false
	}
	var size int
	switch code {
	case 4: // ip4
		size = 4
	case 41: // ip6
		size = 16
	default:
		return netip.AddrPort{}, false
	}
	raw := make([]byte, size)
	if _, err := io.ReadFull(r, raw); err != nil {
		return netip.AddrPort{}, false
	}
	ip, _ := netip.AddrFromSlice(raw)
	if proto, ok := refVarint(r); !ok || proto != 273 { // udp
		return netip.AddrPort{}, false
	}
	var port uint16
	if err := binary.Read(r, binary.BigEndian, &port); err != nil {
		return netip.AddrPort{}, false
	}
	if r.Len() != 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, port), true
}

// refVarint reads an unsigned varint and insists on its shortest encoding,
// as multiaddr does.
func refVarint(r *bytes.Reader) (uint64, bool) {
	before := r.Len()
	v, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, false
	}
	return v, before-r.Len() == len(binary.AppendUvarint(nil, v))
}

// refFromMessage converts a fast-decoded Message to the reference view.
func refFromMessage(m *Message) *refMessage {
	r := &refMessage{Type: m.Header.Type, Seq: m.Header.Seq}
	switch m.Header.Type {
	case TypeHello:
		r.Members = []Member{m.Hello.Member}
	case TypeLeave:
		r.Members = []Member{m.Leave.Member}
	case TypeProbeRequest:
		r.Members = []Member{m.ProbeRequest.Target}
	case TypeWelcome:
		r.HelloSeq = m.Welcome.HelloSeq
		r.Members = []Member{m.Welcome.Member}
	case TypeMemberList:
		r.Members = m.MemberList.AppendTo([]Member{})
	case TypeAck:
		r.AckedSeq = m.Ack.AckedSeq
	case TypeData:
		r.Origin, r.OriginSeq = m.Data.Origin, m.Data.OriginSeq
		r.Payload = append([]byte{}, m.Data.Payload...)
	case TypeCopy:
		r.Origin, r.OriginSeq = m.Copy.Origin, m.Copy.OriginSeq
		r.Payload = append([]byte{}, m.Copy.Payload...)
	case TypeStatus:
		r.Records = [][2]uint64{}
		for i := range m.Status.Count() {
			id, seq := m.Status.Record(i)
			r.Records = append(r.Records, [2]uint64{id, uint64(seq)})
		}
	case TypeJoin:
		r.Membership = []Record{m.Join.Record}
	case TypeUpdate:
		r.Rumor = m.Update.Rumor()
		r.Membership = []Record{}
		for it := m.Update.Iter(); ; {
			rec, ok := it.Next()
			if !ok {
				break
			}
			r.Membership = append(r.Membership, rec)
		}
	case TypeProbeResult:
		r.RequestSeq, r.Target, r.Reached = m.ProbeResult.RequestSeq, m.ProbeResult.Target, m.ProbeResult.Reached
	case TypeDigest:
		r.Answer, r.Bits = m.Digest.Answer, m.Digest.Bits()
		for i := range 1 << m.Digest.Bits() {
			count, hash := m.Digest.Bucket(i)
			r.Buckets = append(r.Buckets, [2]uint32{uint32(count), hash})
		}
	}
	return r
}

// checkAgainstReference reports how Decode and refDecode disagree on b, or
// "" when they agree.
func checkAgainstReference(b []byte) string {
	var m Message
	err := Decode(b, &m)
	ref, _, rerr := refDecode(b)
	switch {
	case err == nil && rerr == nil:
		got := refFromMessage(&m)
		if d := diffRef(got, ref); d != "" {
			return "fields differ: " + d
		}
		return ""
	case err == nil:
		return fmt.Sprintf("Decode accepted, reference rejected: %v", rerr)
	case rerr == nil:
		return fmt.Sprintf("Decode rejected (%v), reference accepted", err)
	case errors.Is(rerr, ErrSealed):
		if err != ErrSealed {
			return fmt.Sprintf("reference says sealed, Decode says %v", err)
		}
		return ""
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		return fmt.Sprintf("Decode error %v is not a *DecodeError", err)
	}
	re := rerr.(*refError)
	if de.Type != re.Type || de.Field != re.Field || de.Err != re.Err {
		return fmt.Sprintf("errors differ: Decode %v, reference %v", err, rerr)
	}
	return ""
}

func diffRef(a, b *refMessage) string {
	sa, sb := fmt.Sprintf("%+v", *a), fmt.Sprintf("%+v", *b)
	if sa != sb || !bytes.Equal(a.Payload, b.Payload) {
		return fmt.Sprintf("\nfast %s\nref  %s", sa, sb)
	}
	return ""
}
