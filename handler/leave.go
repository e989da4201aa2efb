package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Leave removes the member that leaves. A node may only announce its own
// leaving: a Leave naming a member at another address than the datagram's
// source is dropped as spoofed.
func Leave(n *node.Node, in envelope.In, _ message.Header, body []byte) node.Outcome {
	var m message.Leave
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	if m.Member.Addr != in.From {
		n.Drop(node.DropSpoofed)
		return node.NoChange
	}
	if cur, ok := n.Members.Get(m.Member.ID); ok && cur.Addr == in.From {
		n.RemoveMember(m.Member.ID, node.MemberLeft)
	}
	return node.NoChange
}
