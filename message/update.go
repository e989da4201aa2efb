package message

import "encoding/binary"

// Update carries membership records (extension type 10):
// who is alive at which incarnation and with which metadata, who is
// suspected, who was declared failed, who left. Body: rumor u8 (1: news
// to pass on; 0: state, such as a table slice or an answer, not to pass
// on), count u16, then count [Record]s. Acknowledged like a MemberList.
//
// Decode validates every record up front and keeps the raw bytes, so
// decoding is zero-copy and allocation free; read the records with
// [Update.Iter]. The zero value is an empty state Update.
type Update struct {
	rumor bool
	count int
	raw   []byte // exactly count valid records, aliasing the decoded body
}

var (
	errUpdateRumorShort = fieldErr(TypeUpdate, "rumor", ErrShort)
	errUpdateRumorBad   = fieldErr(TypeUpdate, "rumor", ErrInvalid)
	errUpdateCount      = fieldErr(TypeUpdate, "count", ErrShort)
	errUpdateRecord     = newRecordErrs(TypeUpdate, "record.")
	errUpdateTrailing   = fieldErr(TypeUpdate, "", ErrTrailing)
)

// updateOverhead is an Update's length without records: header, rumor,
// count.
const updateOverhead = HeaderSize + 3

// Decode decodes an Update body (the datagram after its header). The
// rumor byte must be 0 or 1; count 0 is valid. It returns a
// *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress] or
// [ErrTrailing], and leaves u unchanged on error. On success u aliases
// body.
func (u *Update) Decode(body []byte) error {
	if len(body) < 1 {
		return errUpdateRumorShort
	}
	if body[0] > 1 {
		return errUpdateRumorBad
	}
	if len(body) < 3 {
		return errUpdateCount
	}
	count := int(binary.BigEndian.Uint16(body[1:]))
	rest := body[3:]
	for range count {
		var err error
		if _, rest, err = decodeRecord(rest, 0, errUpdateRecord); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return errUpdateTrailing
	}
	u.rumor = body[0] == 1
	u.count = count
	u.raw = body[3:len(body):len(body)]
	return nil
}

// Rumor reports whether the records are news to pass on, rather than
// state (a table slice, an answer).
func (u *Update) Rumor() bool { return u.rumor }

// Count returns the number of records.
func (u *Update) Count() int { return u.count }

// Iter returns an iterator over the records, in wire order.
func (u *Update) Iter() RecordIter { return RecordIter{rest: u.raw, left: u.count} }

// Len returns the encoded length of u, header included.
func (u *Update) Len() int { return updateOverhead + len(u.raw) }

// Encode writes u, as decoded, as a datagram with the given seq into
// b[:u.Len()] and returns its length; it fails, writing nothing, with
// [ErrBufferTooSmall] if len(b) < u.Len(). To build a new Update use
// [UpdateWriter].
func (u *Update) Encode(b []byte, seq uint32) (int, error) {
	n := u.Len()
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeUpdate, seq)
	b[HeaderSize] = 0
	if u.rumor {
		b[HeaderSize] = 1
	}
	binary.BigEndian.PutUint16(b[HeaderSize+1:], uint16(u.count))
	copy(b[updateOverhead:], u.raw)
	return n, nil
}

// RecordIter iterates over the records of a decoded [Update].
type RecordIter struct {
	rest []byte
	left int
}

// Next returns the next record, or false when there are no more. A
// record's Meta aliases the datagram.
func (it *RecordIter) Next() (Record, bool) {
	if it.left == 0 {
		return Record{}, false
	}
	r, rest, err := decodeRecord(it.rest, 0, errUpdateRecord)
	if err != nil {
		panic("message: RecordIter over bytes that Update.Decode did not validate")
	}
	it.rest, it.left = rest, it.left-1
	return r, true
}

// UpdateWriter fills one Update datagram with as many whole records as
// fit. The caller splits a longer list: when Add reports false, send the
// datagram and start another writer.
type UpdateWriter struct {
	b     []byte
	n     int
	count int
}

// NewUpdateWriter starts an Update with the given seq and rumor flag in
// b, the whole datagram buffer: len(b) is the largest datagram the writer
// will produce. It fails with [ErrBufferTooSmall] if b cannot hold the
// header, rumor byte and count (11 bytes).
func NewUpdateWriter(b []byte, seq uint32, rumor bool) (UpdateWriter, error) {
	if len(b) < updateOverhead {
		return UpdateWriter{}, ErrBufferTooSmall
	}
	PutHeader(b, TypeUpdate, seq)
	b[HeaderSize] = 0
	if rumor {
		b[HeaderSize] = 1
	}
	return UpdateWriter{b: b, n: updateOverhead}, nil
}

// Add appends r and reports whether it did. It writes nothing and reports
// false when r does not fit in the rest of the buffer, when the Update
// already holds 65535 records, or when r cannot be encoded (see
// [Record.Valid]).
func (w *UpdateWriter) Add(r Record) bool {
	if w.count == maxU16 {
		return false
	}
	n, err := recordLen(&r)
	if err != nil || len(w.b)-w.n < n {
		return false
	}
	w.n += putRecord(w.b[w.n:], &r, true)
	w.count++
	return true
}

// Fits reports whether a record of encoded length n (see [Record.Len])
// would fit in the rest of the buffer.
func (w *UpdateWriter) Fits(n int) bool { return n > 0 && len(w.b)-w.n >= n && w.count < maxU16 }

// Count returns the number of records added so far.
func (w *UpdateWriter) Count() int { return w.count }

// Finish writes the count and returns the datagram's length: the datagram
// is b[:Finish()]. A zero UpdateWriter returns 0.
func (w *UpdateWriter) Finish() int {
	if w.b == nil {
		return 0
	}
	binary.BigEndian.PutUint16(w.b[HeaderSize+1:], uint16(w.count))
	return w.n
}

// MaxRecordLen returns the longest record an Update of maxMessageSize
// bytes can carry, for checking a metadata bound: maxMessageSize less the
// Update's own 11 bytes.
func MaxRecordLen(maxMessageSize int) int { return max(maxMessageSize-updateOverhead, 0) }

// AliveRecordLen returns the encoded length of an Alive record with an
// address of the given family and metaLen bytes of metadata: 24 + metaLen
// for IPv4, 36 + metaLen for IPv6.
func AliveRecordLen(ipv6 bool, metaLen int) int {
	if ipv6 {
		return 1 + 12 + 1 + addrLen6 + 1 + metaLen
	}
	return 1 + 12 + 1 + addrLen4 + 1 + metaLen
}
