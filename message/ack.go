package message

import "encoding/binary"

// Ack acknowledges one envelope, sent once. Body: ackedSeq u32.
type Ack struct {
	// AckedSeq is the seq of the envelope being acknowledged.
	AckedSeq uint32
}

// ackLen is the encoded length of an Ack, header included.
const ackLen = HeaderSize + 4

var (
	errAckAckedSeq = fieldErr(TypeAck, "ackedSeq", ErrShort)
	errAckTrailing = fieldErr(TypeAck, "", ErrTrailing)
)

// Len returns the encoded length of m, header included: always 12.
func (m *Ack) Len() int { return ackLen }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrBufferTooSmall]
// if len(b) < m.Len().
func (m *Ack) Encode(b []byte, seq uint32) (int, error) {
	if len(b) < ackLen {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeAck, seq)
	binary.BigEndian.PutUint32(b[HeaderSize:], m.AckedSeq)
	return ackLen, nil
}

// Decode decodes an Ack body (the datagram after its header). It returns a
// *[DecodeError] wrapping [ErrShort] or [ErrTrailing], and leaves m
// unchanged on error.
func (m *Ack) Decode(body []byte) error {
	if len(body) < 4 {
		return errAckAckedSeq
	}
	if len(body) > 4 {
		return errAckTrailing
	}
	m.AckedSeq = binary.BigEndian.Uint32(body)
	return nil
}
