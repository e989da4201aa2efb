package message

import (
	"encoding/binary"
	"strconv"
)

// Type is a message type, the first two bytes of every datagram.
//
// Append only: the values are wire protocol.
type Type uint16

// The message types of protocol version 1.
const (
	TypeHello      Type = 1 // a joining node introduces itself to a seed
	TypeWelcome    Type = 2 // the seed's answer to a Hello
	TypeMemberList Type = 3 // members the receiver may not know yet
	TypeAck        Type = 4 // acknowledges one envelope by its seq
	TypeData       Type = 5 // one application payload being gossiped
	TypeStatus     Type = 6 // the sender's data version per originator
	TypeLeave      Type = 7 // a member leaves the cluster
	TypeSealed     Type = 8 // an encrypted wrapper around one datagram
)

// The extension types (wire-format.md: types 9 and above, each recorded
// in docs/protocol.md). A peer that knows only the base types drops them,
// so none is needed for the base types to work.
const (
	TypeJoin         Type = 9  // a joining node's own record: a Hello with incarnation and metadata
	TypeUpdate       Type = 10 // membership records: alive, suspect, failed, left
	TypeProbeRequest Type = 11 // asks the receiver to probe a member for the sender
	TypeProbeResult  Type = 12 // answers a ProbeRequest: the member answered, or not
	TypeDigest       Type = 13 // a summary of the sender's view of the membership, by bucket
	TypeCopy         Type = 14 // a Data its receiver does not acknowledge: one of a rumor's redundant copies
)

// Sizes and limits of protocol version 1.
const (
	// HeaderSize is the length of the header that starts every datagram.
	HeaderSize = 8
	// Version is the protocol version, the high byte of the header's
	// reserved field.
	Version = 1
	// MaxAddrLen is the largest addrLen a Member may declare.
	MaxAddrLen = 64
	// MinMessageSize is the smallest MaxMessageSize a service may configure.
	MinMessageSize = 64
	// MaxMessageSizeLimit is the largest MaxMessageSize a service may
	// configure: the largest UDP payload over IPv4.
	MaxMessageSizeLimit = 65507
	// DefaultMaxMessageSize is the default MaxMessageSize.
	DefaultMaxMessageSize = 512
	// DataOverhead is the length of a Data message without its payload:
	// header, origin, originSeq and len.
	DataOverhead = HeaderSize + 8 + 4 + 2
	// StatusRecordSize is the length of one Status record (id, seq).
	StatusRecordSize = 12
)

// maxU16 is the largest value of a u16 count or length field.
const maxU16 = 1<<16 - 1

var typeNames = [...]string{
	TypeHello:      "Hello",
	TypeWelcome:    "Welcome",
	TypeMemberList: "MemberList",
	TypeAck:        "Ack",
	TypeData:       "Data",
	TypeStatus:     "Status",
	TypeLeave:      "Leave",
	TypeSealed:     "Sealed",

	TypeJoin:         "Join",
	TypeUpdate:       "Update",
	TypeProbeRequest: "ProbeRequest",
	TypeProbeResult:  "ProbeResult",
	TypeDigest:       "Digest",
	TypeCopy:         "Copy",
}

// String returns the type's name, such as "Hello", or "Type(9)" for a value
// outside the protocol.
func (t Type) String() string {
	if t.known() {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// known reports whether t is a type of protocol version 1: a base type or
// an extension this package implements.
func (t Type) known() bool { return t >= TypeHello && t <= TypeCopy }

// IsExtension reports whether t is an extension type (9 and above), one
// that a peer knowing only the base format drops.
func (t Type) IsExtension() bool { return t > TypeSealed }

// Header is the decoded 8-byte header of a datagram. The version byte is
// always [Version] and the flags byte always 0, so neither is kept.
type Header struct {
	// Type selects the body layout.
	Type Type
	// Seq is the sending envelope's sequence number. In a Sealed datagram
	// bytes 4..7 are the top half of the sender id instead.
	Seq uint32
}

var (
	errHeaderShort   = fieldErr(0, "header", ErrShort)
	errHeaderVersion = fieldErr(0, "header.version", ErrVersion)
	errHeaderType    = fieldErr(0, "header.type", ErrUnknownType)
	errHeaderFlags   = fieldErr(0, "header.flags", ErrFlags)
)

// ParseHeader decodes the header at the start of datagram b and returns it
// with the body, b[HeaderSize:].
//
// It checks, in this order: at least [HeaderSize] bytes ([ErrShort]), the
// type Sealed (see below), the version byte ([ErrVersion]; checked next
// because the version decides how everything else reads), a type in 1..13
// ([ErrUnknownType]) and a zero
// flags byte ([ErrFlags]). Version 1 defines no flags and a future flag
// comes with a version bump, so a non-zero flags byte is rejected rather
// than ignored, which keeps every accepted datagram canonical. In a Sealed
// datagram bytes 2 and 3 are the sealed format's version and the key id,
// not the protocol version and flags, so neither is checked there: a
// Sealed datagram of any sealing version is reported as such.
// Errors are *[DecodeError] values with Type 0.
func ParseHeader(b []byte) (Header, []byte, error) {
	if len(b) < HeaderSize {
		return Header{}, nil, errHeaderShort
	}
	if t := Type(binary.BigEndian.Uint16(b)); t == TypeSealed {
		return Header{Type: t, Seq: binary.BigEndian.Uint32(b[4:])}, b[HeaderSize:], nil
	}
	if b[2] != Version {
		return Header{}, nil, errHeaderVersion
	}
	t := Type(binary.BigEndian.Uint16(b))
	if !t.known() {
		return Header{}, nil, errHeaderType
	}
	if b[3] != 0 {
		return Header{}, nil, errHeaderFlags
	}
	return Header{Type: t, Seq: binary.BigEndian.Uint32(b[4:])}, b[HeaderSize:], nil
}

// PutHeader writes a version 1 header with type t, zero flags and seq into
// b[:HeaderSize]. It panics if len(b) < HeaderSize.
func PutHeader(b []byte, t Type, seq uint32) {
	_ = b[HeaderSize-1]
	binary.BigEndian.PutUint16(b, uint16(t))
	b[2] = Version
	b[3] = 0
	binary.BigEndian.PutUint32(b[4:], seq)
}

// PutSeq overwrites the seq of the encoded datagram b (bytes 4..7). An
// encoded message is shared by all its recipients; each envelope writes its
// own seq just before its datagram is sent. It panics if len(b) < HeaderSize.
func PutSeq(b []byte, seq uint32) {
	binary.BigEndian.PutUint32(b[4:HeaderSize], seq)
}

// PutType overwrites the type of the encoded datagram b (bytes 0..1): a
// Copy passed on, or logged, as the Data it carries, or the reverse. It
// panics if len(b) < HeaderSize.
func PutType(b []byte, t Type) {
	_ = b[HeaderSize-1]
	binary.BigEndian.PutUint16(b, uint16(t))
}

// SeqOf returns the seq of the encoded datagram b (bytes 4..7). It panics if
// len(b) < HeaderSize.
func SeqOf(b []byte) uint32 {
	return binary.BigEndian.Uint32(b[4:HeaderSize])
}
