package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Expired handles an envelope that used every attempt without an Ack.
// For a member that speaks only the base format this is the failure
// detector of the base rules: the recipient, if it is still the member the
// envelope was addressed to, is removed as failed. A member that speaks
// the extensions is judged by the detector instead (probes, indirect
// probes, suspicion, refutation), which is far quicker and does not take
// a run of lost datagrams for a failure. A Hello or Join that expires
// while this node is joining, with no other still waiting, means no seed
// answered: the join has failed.
func Expired(n *node.Node, e envelope.Out) node.Outcome {
	if e.ToID != 0 {
		if cur, ok := n.Members.Get(e.ToID); ok && cur.Addr == e.To && !cur.Ext {
			n.RemoveMember(e.ToID, node.MemberFailed, 0, 0)
		}
	}
	joining := e.Type == message.TypeHello || e.Type == message.TypeJoin
	if joining && n.Phase == node.Joining && n.Out.Pending(message.TypeHello)+n.Out.Pending(message.TypeJoin) == 0 {
		return node.JoinFailed
	}
	return node.NoChange
}
