package message

// Message is a decoded datagram of any type: Header.Type says which one
// field holds the body; the others are zero. It is meant for tests,
// fuzzing, logging and callers that want a single call; a hot path can
// switch on [ParseHeader] and decode into one message type instead.
type Message struct {
	Header     Header     // the datagram's header
	Hello      Hello      // set when Header.Type is TypeHello
	Welcome    Welcome    // set when Header.Type is TypeWelcome
	MemberList MemberList // set when Header.Type is TypeMemberList
	Ack        Ack        // set when Header.Type is TypeAck
	Data       Data       // set when Header.Type is TypeData
	Status     Status     // set when Header.Type is TypeStatus
	Leave      Leave      // set when Header.Type is TypeLeave

	Join         Join         // set when Header.Type is TypeJoin
	Update       Update       // set when Header.Type is TypeUpdate
	ProbeRequest ProbeRequest // set when Header.Type is TypeProbeRequest
	ProbeResult  ProbeResult  // set when Header.Type is TypeProbeResult
	Digest       Digest       // set when Header.Type is TypeDigest
	Copy         Data         // set when Header.Type is TypeCopy: a Data's body
}

// Decode decodes the whole datagram b into m: [ParseHeader], then the body
// decoder of that type. A Sealed datagram yields [ErrSealed], since this
// package does not open sealed datagrams; every other failure is a
// *[DecodeError]. On error m is unchanged; on success m holds the header and
// the body's field, which may alias b, and every other field is zero.
func Decode(b []byte, m *Message) error {
	h, body, err := ParseHeader(b)
	if err != nil {
		return err
	}
	switch h.Type {
	case TypeHello:
		var x Hello
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Hello: x}
	case TypeWelcome:
		var x Welcome
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Welcome: x}
	case TypeMemberList:
		var x MemberList
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, MemberList: x}
	case TypeAck:
		var x Ack
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Ack: x}
	case TypeData:
		var x Data
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Data: x}
	case TypeStatus:
		var x Status
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Status: x}
	case TypeLeave:
		var x Leave
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Leave: x}
	case TypeJoin:
		var x Join
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Join: x}
	case TypeUpdate:
		var x Update
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Update: x}
	case TypeProbeRequest:
		var x ProbeRequest
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, ProbeRequest: x}
	case TypeProbeResult:
		var x ProbeResult
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, ProbeResult: x}
	case TypeDigest:
		var x Digest
		if err := x.Decode(body); err != nil {
			return err
		}
		*m = Message{Header: h, Digest: x}
	case TypeCopy:
		var x Data
		if err := x.DecodeCopy(body); err != nil {
			return err
		}
		*m = Message{Header: h, Copy: x}
	default: // TypeSealed; ParseHeader rejected the rest
		return ErrSealed
	}
	return nil
}

// Encode writes the field of m that m.Header.Type selects, with seq
// m.Header.Seq, into b and returns the datagram's length. MemberList and
// Status are written from their decoded form. It fails, writing nothing,
// with the selected type's Encode errors, [ErrSealed] for TypeSealed and
// [ErrUnknownType] for a type outside the protocol. For every datagram b
// that [Decode] accepts, Encode writes b back byte for byte.
func Encode(b []byte, m *Message) (int, error) {
	seq := m.Header.Seq
	switch m.Header.Type {
	case TypeHello:
		return m.Hello.Encode(b, seq)
	case TypeWelcome:
		return m.Welcome.Encode(b, seq)
	case TypeMemberList:
		return m.MemberList.Encode(b, seq)
	case TypeAck:
		return m.Ack.Encode(b, seq)
	case TypeData:
		return m.Data.Encode(b, seq)
	case TypeStatus:
		return m.Status.Encode(b, seq)
	case TypeLeave:
		return m.Leave.Encode(b, seq)
	case TypeJoin:
		return m.Join.Encode(b, seq)
	case TypeUpdate:
		return m.Update.Encode(b, seq)
	case TypeProbeRequest:
		return m.ProbeRequest.Encode(b, seq)
	case TypeProbeResult:
		return m.ProbeResult.Encode(b, seq)
	case TypeDigest:
		return m.Digest.Encode(b, seq)
	case TypeCopy:
		return m.Copy.EncodeCopy(b, seq)
	case TypeSealed:
		return 0, ErrSealed
	}
	return 0, ErrUnknownType
}
