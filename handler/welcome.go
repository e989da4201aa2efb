package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Welcome completes a join. It counts only if it names a Hello of ours
// that is still waiting and comes from that Hello's recipient: the Hello's
// envelope is dropped, the seed becomes a member, and a JOINING node
// becomes CONNECTED; a CONNECTED node (which greeted a stranger) passes
// the new member on as news. Any other Welcome is dropped as unsolicited.
func Welcome(n *node.Node, in envelope.In, _ message.Header, body []byte) node.Outcome {
	var m message.Welcome
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	if m.Member.ID == n.Self.ID {
		n.Drop(node.DropSelf)
		return node.NoChange
	}
	if e, ok := n.Out.Lookup(m.HelloSeq, in.From); !ok || e.Type != message.TypeHello {
		n.Drop(node.DropUnsolicited) // and leave whatever envelope it names alone
		return node.NoChange
	}
	n.Out.Ack(m.HelloSeq, in.From)
	news := n.AddMember(m.Member, true)
	if n.Phase == node.Joining {
		return node.Joined
	}
	// A Welcome to a greeting (node.Greet): a member this node learned
	// before its announcement arrived. The announcement will not be news
	// when it comes, so pass it on now, or the ring chain breaks here.
	if news {
		n.Announce(m.Member, n.MemberIndex(in.From))
	}
	return node.NoChange
}
