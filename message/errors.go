package message

import (
	"errors"
	"strings"
)

// Sentinel errors. Decoders return them wrapped in a [*DecodeError] that
// names the failing field; encoders and the address codec return them as
// they are. Test for them with errors.Is. A failure changes nothing: a
// failed Decode leaves its receiver unchanged, and a failed Encode or
// writer Add writes nothing into the buffer.
var (
	// ErrShort reports a datagram that ends before the message it
	// announces does: a truncated header, field, member, record or payload.
	ErrShort = errors.New("message: datagram too short")

	// ErrTrailing reports bytes left over after a complete message. The
	// format is canonical, so they are never ignored.
	ErrTrailing = errors.New("message: trailing bytes")

	// ErrUnknownType reports a header type outside 1..13, or an encoder asked
	// for such a type.
	ErrUnknownType = errors.New("message: unknown type")

	// ErrVersion reports a header whose version byte is not [Version].
	ErrVersion = errors.New("message: unsupported version")

	// ErrFlags reports a header whose flags byte is not zero. Version 1
	// defines no flags; a flag that changes the layout comes with a version
	// bump, so rejecting them keeps every datagram canonical.
	ErrFlags = errors.New("message: non-zero flags")

	// ErrAddress reports an address that is not one of the two valid binary
	// multiaddr forms (/ip4/A/udp/P or /ip6/A/udp/P), an addrLen outside
	// 1..[MaxAddrLen], or, when encoding, a netip.AddrPort that is invalid
	// or has a zone.
	ErrAddress = errors.New("message: address invalid")

	// ErrInvalid reports a field whose value the protocol forbids: a zero
	// member id, origin or record id, or a zero originSeq.
	ErrInvalid = errors.New("message: invalid value")

	// ErrSealed reports a Sealed (type 8) datagram handed to [Decode] or
	// [Encode]: this package does not open or build sealed datagrams.
	ErrSealed = errors.New("message: sealed datagram")

	// ErrBufferTooSmall reports an encode buffer shorter than the message.
	ErrBufferTooSmall = errors.New("message: buffer too small")

	// ErrPayloadTooLarge reports a Data payload longer than 65535 bytes,
	// the most its u16 length field can carry.
	ErrPayloadTooLarge = errors.New("message: payload too large")
)

// errorPrefix starts every error text of the package.
const errorPrefix = "message: "

// DecodeError names the field of a datagram that failed to decode. Decoders
// return pointers to package-level DecodeErrors, one per (type, field,
// cause), so reporting a failure allocates nothing; treat them as read-only.
type DecodeError struct {
	// Type is the message type whose body failed, or 0 when the header
	// itself failed.
	Type Type
	// Field is the failing field's path in wire-format.md's names, such as
	// "member.addrLen", "payload" or "header.version". It is empty for
	// trailing bytes after a complete message.
	Field string
	// Err is the sentinel cause, such as [ErrShort] or [ErrAddress].
	Err error
}

// Error formats e as "message: Type.field: cause", for example
// "message: Welcome.member.addrLen: address invalid".
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString(errorPrefix)
	if e.Type != 0 {
		b.WriteString(e.Type.String())
		if e.Field != "" {
			b.WriteByte('.')
		}
	}
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), errorPrefix))
	return b.String()
}

// Unwrap returns the sentinel cause, so errors.Is(err, ErrShort) works.
func (e *DecodeError) Unwrap() error { return e.Err }

// fieldErr builds one precomputed DecodeError.
func fieldErr(t Type, field string, err error) *DecodeError {
	return &DecodeError{Type: t, Field: field, Err: err}
}
