// Package message defines the wire types of the gossip protocol, version 1:
// what travels in one UDP datagram, encoded into and decoded from the
// caller's buffers. It is pure (no I/O, no clock, no randomness) and imports
// only the standard library. The authoritative layout is
// shared/design/wire-format.md; this package follows it field for field.
//
// # Layout
//
// Every datagram holds one message: an 8-byte header (type u16, version u8
// = 1, flags u8 = 0, seq u32), then the body of that type. Integers are
// unsigned big-endian.
//
//	type  name        body
//	1     Hello       Member (the sender)
//	2     Welcome     helloSeq u32, Member (the seed)
//	3     MemberList  count u16, count × Member
//	4     Ack         ackedSeq u32
//	5     Data        origin u64, originSeq u32, len u16, payload[len]
//	6     Status      count u16, count × (id u64, seq u32)
//	7     Leave       Member (the node that leaves)
//	8     Sealed      an encrypted wrapper, opened elsewhere
//
// A Member is id u64, addrLen u8, then a binary multiaddr of exactly one of
// two forms: /ip4/A/udp/P (9 bytes: 0x04, A, 0x91 0x02, P) or /ip6/A/udp/P
// (21 bytes: 0x29, A, 0x91 0x02, P).
//
// # Canonical form
//
// Decoders are strict so that the format stays canonical: every accepted
// datagram re-encodes to the same bytes, and independent implementations
// accept exactly the same datagrams. A decoder rejects a short datagram
// ([ErrShort]), trailing bytes ([ErrTrailing]), a version other than 1
// ([ErrVersion]), non-zero flags ([ErrFlags]; version 1 defines none, and a
// future flag comes with a version bump), an unknown type
// ([ErrUnknownType]), any address outside the two forms ([ErrAddress]), and
// a zero member id, origin, record id or originSeq ([ErrInvalid]).
// Encoders refuse the same values, so whatever they write decodes.
//
// The header is checked version first, then type, then flags; a body is
// read front to back and the first problem met is the one reported, as a
// *[DecodeError] naming the message type and field, for example
// "message: Welcome.member.addrLen: address invalid". Every DecodeError is
// precomputed, so failing costs no allocation; errors.Is matches the
// sentinel inside.
//
// # Buffers and allocation
//
// Encode methods write into a caller's buffer and Decode methods read from
// one; none of them allocates, on success or failure. Decoded Data payloads,
// MemberLists and Statuses alias the datagram, so copy what must outlive
// the receive buffer. A message is encoded once and shared by all its
// recipients; [PutSeq] writes each envelope's seq just before its send.
// MemberList and Status are built with [MemberListWriter] and
// [StatusWriter], which fill one datagram and tell the caller when to start
// the next.
//
// [Describe] gives the one canonical text line of a datagram, used by logs
// and by the golden vectors in testdata/wire.
package message
