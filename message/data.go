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

var (
	errDataOriginShort    = fieldErr(TypeData, "origin", ErrShort)
	errDataOriginZero     = fieldErr(TypeData, "origin", ErrInvalid)
	errDataOriginSeqShort = fieldErr(TypeData, "originSeq", ErrShort)
	errDataOriginSeqZero  = fieldErr(TypeData, "originSeq", ErrInvalid)
	errDataLenShort       = fieldErr(TypeData, "len", ErrShort)
	errDataPayloadShort   = fieldErr(TypeData, "payload", ErrShort)
	errDataTrailing       = fieldErr(TypeData, "", ErrTrailing)
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
	PutHeader(b, TypeData, seq)
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
func (m *Data) Decode(body []byte) error {
	const fixed = DataOverhead - HeaderSize
	switch {
	case len(body) < 8:
		return errDataOriginShort
	case binary.BigEndian.Uint64(body) == 0:
		return errDataOriginZero
	case len(body) < 12:
		return errDataOriginSeqShort
	case binary.BigEndian.Uint32(body[8:]) == 0:
		return errDataOriginSeqZero
	case len(body) < fixed:
		return errDataLenShort
	}
	n := int(binary.BigEndian.Uint16(body[12:]))
	switch rest := len(body) - fixed; {
	case rest < n:
		return errDataPayloadShort
	case rest > n:
		return errDataTrailing
	}
	m.Origin = binary.BigEndian.Uint64(body)
	m.OriginSeq = binary.BigEndian.Uint32(body[8:])
	m.Payload = body[fixed:len(body):len(body)]
	return nil
}
