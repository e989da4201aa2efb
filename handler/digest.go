package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Digest acknowledges a member's summary of its view of the membership
// and, where it differs from this node's, sends the member this node's
// records of those parts, and (unless the Digest answers one of this
// node's) a Digest of its own, so that the member sends back what this
// node lacks (node.AnswerDigest). Only a member gets an answer: a
// stranger's Digest is acknowledged and nothing more, so it cannot draw
// records out of this node.
func Digest(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var d message.Digest
	if err := d.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	n.Ack(in.From, h.Seq)
	if i := n.MemberIndex(in.From); i >= 0 {
		n.AnswerDigest(&d, in.From, n.Members.At(i).ID)
	}
	return node.NoChange
}
