package message

import "encoding/binary"

// MemberList tells the receiver about members it may not know yet. Body:
// count u16, then count Members. A list longer than one datagram is split
// over several (see [MemberListWriter]).
//
// Decode validates every member up front and keeps only the count and the
// raw member bytes, so decoding is zero-copy and allocation free; read the
// members with [MemberList.Iter]. The zero value is an empty list.
type MemberList struct {
	count int
	raw   []byte // exactly count valid members, aliasing the decoded body
}

var (
	errMemberListCount    = fieldErr(TypeMemberList, "count", ErrShort)
	errMemberListMember   = newMemberErrs(TypeMemberList)
	errMemberListTrailing = fieldErr(TypeMemberList, "", ErrTrailing)
)

// Decode decodes a MemberList body (the datagram after its header). Every
// member is validated; count 0 is valid. It returns a *[DecodeError]
// wrapping [ErrShort], [ErrInvalid], [ErrAddress] or [ErrTrailing], and
// leaves m unchanged on error. On success m aliases body.
func (m *MemberList) Decode(body []byte) error {
	if len(body) < 2 {
		return errMemberListCount
	}
	count := int(binary.BigEndian.Uint16(body))
	rest := body[2:]
	for range count {
		var err error
		if _, rest, err = decodeMember(rest, errMemberListMember); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return errMemberListTrailing
	}
	m.count = count
	m.raw = body[2:len(body):len(body)]
	return nil
}

// Count returns the number of members.
func (m *MemberList) Count() int { return m.count }

// Iter returns an iterator over the members, in wire order.
func (m *MemberList) Iter() MemberIter { return MemberIter{rest: m.raw, left: m.count} }

// AppendTo appends the members to dst and returns the extended slice.
func (m *MemberList) AppendTo(dst []Member) []Member {
	for it := m.Iter(); ; {
		mem, ok := it.Next()
		if !ok {
			return dst
		}
		dst = append(dst, mem)
	}
}

// Len returns the encoded length of m, header included.
func (m *MemberList) Len() int { return HeaderSize + 2 + len(m.raw) }

// Encode writes m, as decoded, as a datagram with the given seq into
// b[:m.Len()] and returns its length; it fails, writing nothing, with
// [ErrBufferTooSmall] if len(b) < m.Len(). To build a new list use
// [MemberListWriter].
func (m *MemberList) Encode(b []byte, seq uint32) (int, error) {
	n := m.Len()
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeMemberList, seq)
	binary.BigEndian.PutUint16(b[HeaderSize:], uint16(m.count))
	copy(b[HeaderSize+2:], m.raw)
	return n, nil
}

// MemberIter iterates over the members of a decoded [MemberList]:
//
//	for it := list.Iter(); ; {
//		m, ok := it.Next()
//		if !ok {
//			break
//		}
//		...
//	}
type MemberIter struct {
	rest []byte
	left int
}

// Next returns the next member, or false when there are no more.
func (it *MemberIter) Next() (Member, bool) {
	if it.left == 0 {
		return Member{}, false
	}
	// Decode validated these bytes; ParseAddr failing is a broken invariant.
	n := 9 + int(it.rest[8])
	addr, err := ParseAddr(it.rest[9:n])
	if err != nil {
		panic("message: MemberIter over bytes that MemberList.Decode did not validate")
	}
	id := binary.BigEndian.Uint64(it.rest)
	it.rest, it.left = it.rest[n:], it.left-1
	return Member{ID: id, Addr: addr}, true
}

// MemberListWriter fills one MemberList datagram with as many whole members
// as fit. The caller splits a longer list: when Add reports false, send the
// datagram and start another writer.
type MemberListWriter struct {
	b     []byte
	n     int // bytes written so far, header and count included
	count int
}

// NewMemberListWriter starts a MemberList with the given seq in b, the
// whole datagram buffer: len(b) is the largest datagram the writer will
// produce, normally the service's MaxMessageSize. It fails with
// [ErrBufferTooSmall] if b cannot hold the header and count (10 bytes).
func NewMemberListWriter(b []byte, seq uint32) (MemberListWriter, error) {
	if len(b) < HeaderSize+2 {
		return MemberListWriter{}, ErrBufferTooSmall
	}
	PutHeader(b, TypeMemberList, seq)
	return MemberListWriter{b: b, n: HeaderSize + 2}, nil
}

// Add appends m and reports whether it did. It writes nothing and reports
// false when m does not fit in the rest of the buffer, when the list
// already holds 65535 members, or when m cannot be encoded (see
// [Member.Valid]); a member refused by an empty writer never fits.
func (w *MemberListWriter) Add(m Member) bool {
	if w.count == maxU16 {
		return false
	}
	n, err := memberLen(m)
	if err != nil || len(w.b)-w.n < n {
		return false
	}
	w.n += putMember(w.b[w.n:], m)
	w.count++
	return true
}

// Count returns the number of members added so far.
func (w *MemberListWriter) Count() int { return w.count }

// Finish writes the count and returns the datagram's length: the datagram
// is b[:Finish()]. A zero MemberListWriter returns 0.
func (w *MemberListWriter) Finish() int {
	if w.b == nil {
		return 0
	}
	binary.BigEndian.PutUint16(w.b[HeaderSize:], uint16(w.count))
	return w.n
}
