package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Welcome completes a join. It counts only if it names a Hello or Join of
// ours that is still waiting and comes from that envelope's recipient:
// the Join and the Hello to that address are both dropped (see
// node.JoinVia), the seed becomes a member, and a JOINING node becomes
// CONNECTED; a CONNECTED node (which greeted someone) passes the new
// member on as news. A seed this node removed at a known incarnation
// is told its verdict instead of being added: it comes back by refuting
// it. Any other Welcome is dropped as unsolicited.
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
	e, ok := n.Out.Lookup(m.HelloSeq, in.From)
	if !ok || (e.Type != message.TypeHello && e.Type != message.TypeJoin) {
		n.Drop(node.DropUnsolicited) // and leave whatever envelope it names alone
		return node.NoChange
	}
	// The named envelope is answered, and its twin is not needed: after a
	// Join's Welcome the Hello that would follow it for a base-format seed,
	// after a Hello's the Join, which such a seed never answers.
	n.Out.Ack(m.HelloSeq, in.From)
	n.Out.CancelTo(in.From, message.TypeJoin)
	n.Out.CancelTo(in.From, message.TypeHello)
	if tb, ok := n.Members.Tomb(m.Member.ID, n.Now); ok && tb.Inc > 0 {
		n.TellVerdict(tb, in.From)
		if n.Phase == node.Joining {
			return node.Joined
		}
		return node.NoChange
	}
	news := n.AddMember(members.Member{ID: m.Member.ID, Addr: m.Member.Addr}, true)
	if e.Type == message.TypeJoin {
		if i := n.MemberIndex(in.From); i >= 0 {
			n.Members.SetExt(i) // it answered a Join: it speaks the extensions
		}
	}
	if n.Phase == node.Joining {
		return node.Joined
	}
	// A Welcome to a greeting (node.Greet): a member this node learned
	// before its announcement arrived. The announcement will not be news
	// when it comes, so pass it on now, or the ring chain breaks here.
	if news {
		if cur, ok := n.Members.Get(m.Member.ID); ok {
			n.AnnounceMember(cur, n.MemberIndex(in.From))
		}
	}
	return node.NoChange
}
