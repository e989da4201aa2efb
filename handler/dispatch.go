package handler

import (
	"errors"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Dispatch decodes the header of one plaintext datagram and hands it to
// the handler of its type. Malformed datagrams, and datagrams the node's
// phase does not expect, are dropped and counted.
func Dispatch(n *node.Node, in envelope.In) node.Outcome {
	h, body, err := message.ParseHeader(in.Bytes)
	if err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	// Any datagram from a suspect shows it is alive, as far as this node
	// can tell: the suspicion ends here, and at the other observers (a
	// lost Ack or two must not add up to a verdict).
	if target, inc, accuser, ok := n.Detector.HeardFrom(in.From); ok {
		n.Vouch(target, inc, accuser)
	}
	switch n.Phase {
	case node.Connected:
	case node.Joining:
		if h.Type == message.TypeHello || h.Type == message.TypeJoin {
			n.Drop(node.DropPhase)
			return node.NoChange
		}
	case node.Disconnected:
		// A node that left still waits for its Leaves' Acks.
		if h.Type != message.TypeAck {
			n.Drop(node.DropPhase)
			return node.NoChange
		}
	default:
		n.Drop(node.DropPhase)
		return node.NoChange
	}
	if n.Phase == node.Connected && carriesNews(h.Type) && n.MemberIndex(in.From) < 0 && wellFormed(in.Bytes) {
		n.Greet(in.From)
	}
	o := route(n, in, h, body)
	if h.Type.IsExtension() {
		// Only a peer that speaks the extensions sends one; from now on it
		// can relay probes and refute suspicions. Noted after the handler:
		// a Join or an Update may have brought the sender's own record,
		// which SpeaksExtensions would otherwise ask for with a Join.
		if i := n.MemberIndex(in.From); i >= 0 {
			n.SpeaksExtensions(i)
		}
	}
	return o
}

// route hands the datagram to the handler of its type.
func route(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	switch h.Type {
	case message.TypeHello:
		return Hello(n, in, h, body)
	case message.TypeWelcome:
		return Welcome(n, in, h, body)
	case message.TypeMemberList:
		return MemberList(n, in, h, body)
	case message.TypeAck:
		return Ack(n, in, h, body)
	case message.TypeData, message.TypeCopy:
		return Data(n, in, h, body)
	case message.TypeStatus:
		return Status(n, in, h, body)
	case message.TypeLeave:
		return Leave(n, in, h, body)
	case message.TypeJoin:
		return Join(n, in, h, body)
	case message.TypeUpdate:
		return Update(n, in, h, body)
	case message.TypeProbeRequest:
		return ProbeRequest(n, in, h, body)
	case message.TypeProbeResult:
		return ProbeResult(n, in, h, body)
	case message.TypeDigest:
		return Digest(n, in, h, body)
	case message.TypeSealed:
		n.Drop(node.DropSealed)
	}
	return node.NoChange
}

// drop counts a datagram that failed to decode under the reason its error
// names, and logs it at debug level.
func drop(n *node.Node, in envelope.In, err error) {
	r := node.DropInvalid
	switch {
	case errors.Is(err, message.ErrShort):
		r = node.DropShort
	case errors.Is(err, message.ErrTrailing):
		r = node.DropTrailing
	case errors.Is(err, message.ErrUnknownType):
		r = node.DropUnknownType
	case errors.Is(err, message.ErrVersion):
		r = node.DropVersion
	case errors.Is(err, message.ErrFlags):
		r = node.DropFlags
	case errors.Is(err, message.ErrAddress):
		r = node.DropAddress
	case errors.Is(err, message.ErrSealed):
		r = node.DropSealed
	}
	n.Drop(r)
	node.LogAddr(n.Logger.Debug(), "from", in.From).Err(err).Msg("datagram dropped")
}

// carriesNews reports whether a message of type t shows that its sender
// knows this node: a sender that this node does not know yet is one it
// missed the announcement of. A MemberList is left out: from a stranger
// it is nearly always an introduction, which adds the sender anyway.
func carriesNews(t message.Type) bool {
	return t == message.TypeData || t == message.TypeCopy || t == message.TypeStatus
}

// wellFormed reports whether the whole datagram decodes: a malformed one
// is dropped without a greeting, so it changes nothing but its counter.
func wellFormed(b []byte) bool {
	var m message.Message
	return message.Decode(b, &m) == nil
}
