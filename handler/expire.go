package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Expired handles an envelope that used every attempt without an Ack: the
// failure detector. Its recipient, if it is still the member the envelope
// was addressed to, is removed as failed. A Hello that expires while this
// node is joining, with no other Hello still waiting, means no seed
// answered: the join has failed.
func Expired(n *node.Node, e envelope.Out) node.Outcome {
	if e.ToID != 0 {
		if cur, ok := n.Members.Get(e.ToID); ok && cur.Addr == e.To {
			n.RemoveMember(e.ToID, node.MemberFailed)
		}
	}
	if e.Type == message.TypeHello && n.Phase == node.Joining && n.Out.Pending(message.TypeHello) == 0 {
		return node.JoinFailed
	}
	return node.NoChange
}
