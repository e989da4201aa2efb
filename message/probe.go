package message

import "encoding/binary"

// ProbeRequest (extension type 11) asks the receiver to probe Target on
// the sender's behalf: the sender's own probe went unanswered, and an
// answer through another path tells a lossy link or a slow sender from a
// failed member. The receiver probes Target and answers with a
// [ProbeResult] naming this datagram's seq. Sent once; the ProbeResult is
// its acknowledgement. Body: Member (the target).
type ProbeRequest struct {
	// Target is the member to probe.
	Target Member
}

var (
	errProbeRequestTarget   = newMemberErrs(TypeProbeRequest)
	errProbeRequestTrailing = fieldErr(TypeProbeRequest, "", ErrTrailing)
)

// Len returns the encoded length of m, header included.
func (m *ProbeRequest) Len() int { return HeaderSize + m.Target.Len() }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero target id, [ErrAddress] for an unencodable address and
// [ErrBufferTooSmall] if len(b) < m.Len().
func (m *ProbeRequest) Encode(b []byte, seq uint32) (int, error) {
	return encodeMemberMessage(b, TypeProbeRequest, seq, 0, m.Target)
}

// Decode decodes a ProbeRequest body (the datagram after its header). It
// returns a *[DecodeError] wrapping [ErrShort], [ErrInvalid], [ErrAddress]
// or [ErrTrailing], and leaves m unchanged on error. (Its field names are
// those of a Member: "member.id", "member.addr".)
func (m *ProbeRequest) Decode(body []byte) error {
	mem, rest, err := decodeMember(body, errProbeRequestTarget)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errProbeRequestTrailing
	}
	m.Target = mem
	return nil
}

// ProbeResult (extension type 12) answers a [ProbeRequest], sent once:
// whether the target answered the receiver's probe within its probe
// timeout. A negative result (a "nack") still tells the requester that
// it can reach the prober, which is how a node learns that it is the slow
// one. Body: requestSeq u32 (the ProbeRequest's seq), target u64,
// reached u8 (1: the target answered; 0: it did not).
type ProbeResult struct {
	// RequestSeq is the seq of the ProbeRequest this answers.
	RequestSeq uint32
	// Target is the probed member's id, never 0.
	Target uint64
	// Reached reports whether the target answered.
	Reached bool
}

// probeResultLen is the encoded length of a ProbeResult, header included.
const probeResultLen = HeaderSize + 4 + 8 + 1

var (
	errProbeResultSeq      = fieldErr(TypeProbeResult, "requestSeq", ErrShort)
	errProbeResultTarget   = fieldErr(TypeProbeResult, "target", ErrShort)
	errProbeResultTargetZ  = fieldErr(TypeProbeResult, "target", ErrInvalid)
	errProbeResultReached  = fieldErr(TypeProbeResult, "reached", ErrShort)
	errProbeResultReachedV = fieldErr(TypeProbeResult, "reached", ErrInvalid)
	errProbeResultTrailing = fieldErr(TypeProbeResult, "", ErrTrailing)
)

// Len returns the encoded length of m, header included: always 21.
func (m *ProbeResult) Len() int { return probeResultLen }

// Encode writes m as a datagram with the given seq into b[:m.Len()] and
// returns its length. It fails, writing nothing, with [ErrInvalid] for a
// zero Target and [ErrBufferTooSmall] if len(b) < m.Len().
func (m *ProbeResult) Encode(b []byte, seq uint32) (int, error) {
	if m.Target == 0 {
		return 0, ErrInvalid
	}
	if len(b) < probeResultLen {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeProbeResult, seq)
	binary.BigEndian.PutUint32(b[HeaderSize:], m.RequestSeq)
	binary.BigEndian.PutUint64(b[HeaderSize+4:], m.Target)
	b[HeaderSize+12] = 0
	if m.Reached {
		b[HeaderSize+12] = 1
	}
	return probeResultLen, nil
}

// Decode decodes a ProbeResult body (the datagram after its header). The
// reached byte must be 0 or 1. It returns a *[DecodeError] wrapping
// [ErrShort], [ErrInvalid] or [ErrTrailing], and leaves m unchanged on
// error.
func (m *ProbeResult) Decode(body []byte) error {
	switch {
	case len(body) < 4:
		return errProbeResultSeq
	case len(body) < 12:
		return errProbeResultTarget
	case binary.BigEndian.Uint64(body[4:]) == 0:
		return errProbeResultTargetZ
	case len(body) < 13:
		return errProbeResultReached
	case body[12] > 1:
		return errProbeResultReachedV
	case len(body) > 13:
		return errProbeResultTrailing
	}
	m.RequestSeq = binary.BigEndian.Uint32(body)
	m.Target = binary.BigEndian.Uint64(body[4:])
	m.Reached = body[12] == 1
	return nil
}
