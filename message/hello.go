package message

// Hello is sent by a joining node to a seed, retried until a Welcome
// names its seq. Body: Member (the sender).
type Hello struct {
	// Member is the joining node.
	Member Member
}

var (
	errHelloMember   = newMemberErrs(TypeHello)
	errHelloTrailing = fieldErr(TypeHello, "", ErrTrailing)
)

// Len returns the encoded length of m, header included.
func (m *Hello) Len() int { return HeaderSize + m.Member.Len() }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero member id, [ErrAddress] for an unencodable address and
// [ErrBufferTooSmall] if len(b) < m.Len().
func (m *Hello) Encode(b []byte, seq uint32) (int, error) {
	return encodeMemberMessage(b, TypeHello, seq, 0, m.Member)
}

// Decode decodes a Hello body (the datagram after its header). It returns
// a *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress] or
// [ErrTrailing], and leaves m unchanged on error.
func (m *Hello) Decode(body []byte) error {
	mem, rest, err := decodeMember(body, errHelloMember)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errHelloTrailing
	}
	m.Member = mem
	return nil
}
