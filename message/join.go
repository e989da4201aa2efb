package message

// Join is the extension form of a Hello (type 9): a joining node's own
// record, so that the seed learns its incarnation and metadata and that it
// speaks the extensions. Body: an Alive [Record] without its kind byte:
// id u64, inc u32, addrLen u8, addr, metaLen u8, meta.
//
// A joining node sends a Join and then a Hello to each seed. A seed that
// knows the extensions answers the Join (a Welcome naming the Join's seq,
// and its members as records); a seed that does not drops the Join and
// answers the Hello.
type Join struct {
	// Record is the joining node's own record; its Kind is always
	// [RecordAlive] (Encode ignores the field, Decode sets it).
	Record Record
}

var (
	errJoinRecord   = newRecordErrs(TypeJoin, "")
	errJoinTrailing = fieldErr(TypeJoin, "", ErrTrailing)
)

// Len returns the encoded length of m, header included, or 0 if its
// record cannot be encoded.
func (m *Join) Len() int {
	r := m.Record
	r.Kind = RecordAlive
	n, err := recordLen(&r)
	if err != nil {
		return 0
	}
	return HeaderSize + n - 1
}

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero id or incarnation or metadata over [MaxMetaLen] bytes,
// [ErrAddress] for an unencodable address and [ErrBufferTooSmall] if
// len(b) < m.Len().
func (m *Join) Encode(b []byte, seq uint32) (int, error) {
	r := m.Record
	r.Kind = RecordAlive
	n, err := recordLen(&r)
	if err != nil {
		return 0, err
	}
	n += HeaderSize - 1
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeJoin, seq)
	putRecord(b[HeaderSize:], &r, false)
	return n, nil
}

// Decode decodes a Join body (the datagram after its header). It returns
// a *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress] or
// [ErrTrailing], and leaves m unchanged on error. On success the record's
// Meta aliases body.
func (m *Join) Decode(body []byte) error {
	r, rest, err := decodeRecord(body, RecordAlive, errJoinRecord)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errJoinTrailing
	}
	m.Record = r
	return nil
}
