package message

import "encoding/binary"

// Welcome is a seed's answer to a Hello, sent once. Body: helloSeq u32 (the
// answered Hello's seq), then Member (the seed).
type Welcome struct {
	// HelloSeq is the seq of the Hello this answers.
	HelloSeq uint32
	// Member is the seed that answers.
	Member Member
}

var (
	errWelcomeHelloSeq = fieldErr(TypeWelcome, "helloSeq", ErrShort)
	errWelcomeMember   = newMemberErrs(TypeWelcome)
	errWelcomeTrailing = fieldErr(TypeWelcome, "", ErrTrailing)
)

// Len returns the encoded length of m, header included.
func (m *Welcome) Len() int { return HeaderSize + 4 + m.Member.Len() }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero member id, [ErrAddress] for an unencodable address and
// [ErrBufferTooSmall] if len(b) < m.Len().
func (m *Welcome) Encode(b []byte, seq uint32) (int, error) {
	n, err := encodeMemberMessage(b, TypeWelcome, seq, 4, m.Member)
	if err != nil {
		return 0, err
	}
	binary.BigEndian.PutUint32(b[HeaderSize:], m.HelloSeq)
	return n, nil
}

// Decode decodes a Welcome body (the datagram after its header). It returns
// a *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress] or
// [ErrTrailing], and leaves m unchanged on error.
func (m *Welcome) Decode(body []byte) error {
	if len(body) < 4 {
		return errWelcomeHelloSeq
	}
	mem, rest, err := decodeMember(body[4:], errWelcomeMember)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errWelcomeTrailing
	}
	m.HelloSeq = binary.BigEndian.Uint32(body)
	m.Member = mem
	return nil
}
