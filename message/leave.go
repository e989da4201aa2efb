package message

// Leave is sent once to every member by a node that leaves the cluster;
// receivers remove that member. Body: Member (the node that leaves).
type Leave struct {
	// Member is the node that leaves.
	Member Member
}

var (
	errLeaveMember   = newMemberErrs(TypeLeave)
	errLeaveTrailing = fieldErr(TypeLeave, "", ErrTrailing)
)

// Len returns the encoded length of m, header included.
func (m *Leave) Len() int { return HeaderSize + m.Member.Len() }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero member id, [ErrAddress] for an unencodable address and
// [ErrBufferTooSmall] if len(b) < m.Len().
func (m *Leave) Encode(b []byte, seq uint32) (int, error) {
	return encodeMemberMessage(b, TypeLeave, seq, 0, m.Member)
}

// Decode decodes a Leave body (the datagram after its header). It returns
// a *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress] or
// [ErrTrailing], and leaves m unchanged on error.
func (m *Leave) Decode(body []byte) error {
	mem, rest, err := decodeMember(body, errLeaveMember)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errLeaveTrailing
	}
	m.Member = mem
	return nil
}
