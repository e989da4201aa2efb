package message

import "encoding/binary"

// Data carries one application payload being gossiped. Body: origin u64,
// originSeq u32, len u16, payload[len].
type Data struct {
	// Origin is the originator's node id, never 0.
	Origin uint64
	// OriginSeq is the originator's data counter, starting at 1.
	OriginSeq uint32
	// Payload is the application's bytes, at most 65535 of them. After
	// Decode it aliases the decoded datagram (with its capacity clipped),
	// so copy it before reusing the receive buffer.
	Payload []byte
}

// dataErrors are a Data body's decode errors, named for the type that
// carried the body: a Copy's are its own, so that a rejection says which
// type it came in.
type dataErrors struct {
	originShort, originZero, originSeqShort, originSeqZero, lenShort, payloadShort, trailing error
}

func newDataErrors(t Type) *dataErrors {
	return &dataErrors{
		originShort:    fieldErr(t, "origin", ErrShort),
		originZero:     fieldErr(t, "origin", ErrInvalid),
		originSeqShort: fieldErr(t, "originSeq", ErrShort),
		originSeqZero:  fieldErr(t, "originSeq", ErrInvalid),
		lenShort:       fieldErr(t, "len", ErrShort),
		payloadShort:   fieldErr(t, "payload", ErrShort),
		trailing:       fieldErr(t, "", ErrTrailing),
	}
}

var (
	dataErrs = newDataErrors(TypeData)
	copyErrs = newDataErrors(TypeCopy)
)

// Len returns the encoded length of m, header included:
// [DataOverhead] + len(m.Payload).
func (m *Data) Len() int { return DataOverhead + len(m.Payload) }

// MaxDataPayload returns the largest payload a Data message can carry in a
// datagram of maxMessageSize bytes: maxMessageSize - [DataOverhead] (490 at
// 512), capped at 65535 and never negative.
func MaxDataPayload(maxMessageSize int) int {
	return min(max(maxMessageSize-DataOverhead, 0), maxU16)
}

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero Origin or OriginSeq, [ErrPayloadTooLarge] for a payload over 65535
// bytes and [ErrBufferTooSmall] if len(b) < m.Len().
func (m *Data) Encode(b []byte, seq uint32) (int, error) {
	return m.encode(b, TypeData, seq)
}

// EncodeCopy is Encode for a Copy (type 14): the same body under the type
// that tells the receiver not to acknowledge it.
func (m *Data) EncodeCopy(b []byte, seq uint32) (int, error) {
	return m.encode(b, TypeCopy, seq)
}

func (m *Data) encode(b []byte, t Type, seq uint32) (int, error) {
	if m.Origin == 0 || m.OriginSeq == 0 {
		return 0, ErrInvalid
	}
	if len(m.Payload) > maxU16 {
		return 0, ErrPayloadTooLarge
	}
	n := m.Len()
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, t, seq)
	binary.BigEndian.PutUint64(b[8:], m.Origin)
	binary.BigEndian.PutUint32(b[16:], m.OriginSeq)
	binary.BigEndian.PutUint16(b[20:], uint16(len(m.Payload)))
	copy(b[DataOverhead:], m.Payload)
	return n, nil
}

// Decode decodes a Data body (the datagram after its header); len must
// equal the number of bytes that follow it. It returns a *[DecodeError]
// wrapping [ErrShort], [ErrInvalid] or [ErrTrailing], and leaves m
// unchanged on error. On success m.Payload aliases body.
func (m *Data) Decode(body []byte) error { return m.decode(body, dataErrs) }

// DecodeCopy is Decode for the body of a Copy (type 14), the same layout;
// its errors name TypeCopy.
func (m *Data) DecodeCopy(body []byte) error { return m.decode(body, copyErrs) }

func (m *Data) decode(body []byte, e *dataErrors) error {
	const fixed = DataOverhead - HeaderSize
	switch {
	case len(body) < 8:
		return e.originShort
	case binary.BigEndian.Uint64(body) == 0:
		return e.originZero
	case len(body) < 12:
		return e.originSeqShort
	case binary.BigEndian.Uint32(body[8:]) == 0:
		return e.originSeqZero
	case len(body) < fixed:
		return e.lenShort
	}
	n := int(binary.BigEndian.Uint16(body[12:]))
	switch rest := len(body) - fixed; {
	case rest < n:
		return e.payloadShort
	case rest > n:
		return e.trailing
	}
	m.Origin = binary.BigEndian.Uint64(body)
	m.OriginSeq = binary.BigEndian.Uint32(body[8:])
	m.Payload = body[fixed:len(body):len(body)]
	return nil
}
