package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Leave removes the member that leaves. A node may only announce its own
// leaving: a Leave naming a member at another address than the datagram's
// source is dropped as spoofed.
func Leave(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
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
		n.RemoveMember(m.Member.ID, node.MemberLeft, cur.Inc, 0)
	}
	// Acknowledged (after the removal, which drops what was queued to the
	// member), so that the leaver knows its goodbye arrived and can stop
	// waiting. A base-format peer does not acknowledge Leaves; the
	// leaver's retries to it simply run out.
	n.Ack(in.From, h.Seq)
	return node.NoChange
}
