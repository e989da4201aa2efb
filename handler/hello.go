package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Hello answers a node that asks to join through this one (only a
// CONNECTED node gets here). A member this node already knows (one
// greeting it, see node.Greet, or retrying a Hello whose Welcome was lost,
// or one whose Join came first) gets just the Welcome. A member this node
// removed at a known incarnation gets the Welcome and its verdict (see
// node.TellVerdict): it comes back by refuting it. A newcomer first gets
// the known members in at most JoinListDatagrams MemberLists, then a
// Welcome naming the Hello's seq, then, if the newcomer is news, a
// MemberList announcing it with the Rumor spread. The lists are queued
// before the Welcome, and the queue sends in order, so they normally
// reach the newcomer while it is still JOINING, which tells it they are
// history and not news to pass on. A repeated Hello (our Welcome was
// lost) is answered again but not announced again, and its lists are
// retried on their own.
func Hello(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var m message.Hello
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	if m.Member.ID == n.Self.ID {
		n.Drop(node.DropSelf)
		return node.NoChange
	}
	if tb, ok := n.Members.Tomb(m.Member.ID, n.Now); ok && tb.Inc > 0 {
		n.TellVerdict(tb, in.From)
		welcome(n, in, h.Seq, m.Member.ID)
		return node.NoChange
	}
	known := false
	if cur, ok := n.Members.Get(m.Member.ID); ok && cur.Addr == m.Member.Addr {
		known = true // a greeting, a retried Hello, or its Join came first: the lists went out already
	}
	// Add first: a restarted node replaces its old id at this address, and
	// that drops what was queued for the old one, which must not include
	// the answer queued below.
	news := n.AddMember(members.Member{ID: m.Member.ID, Addr: m.Member.Addr}, true)
	if !known {
		sendMemberLists(n, in, m.Member)
	}
	welcome(n, in, h.Seq, m.Member.ID)
	if news {
		n.AnnounceMember(members.Member{ID: m.Member.ID, Addr: m.Member.Addr}, -1)
	}
	return node.NoChange
}

// welcome queues a Welcome naming seq (a Hello's or a Join's), sent once.
func welcome(n *node.Node, in envelope.In, seq uint32, to uint64) {
	out, buf := n.Open()
	w := message.Welcome{HelloSeq: seq, Member: n.Self}
	size, err := w.Encode(buf, 0)
	if n.Commit(out, size, err, message.TypeWelcome) {
		n.To(out, in.From, to, 1)
		n.Out.Close(out)
	}
}

// sendMemberLists sends the newcomer the members this node knows, other
// than the newcomer itself, filling whole datagrams, at most
// JoinListDatagrams of them. The cap keeps a seed's cost per join constant
// in large clusters; the newcomer learns the rest from introductions (see
// MemberList).
func sendMemberLists(n *node.Node, in envelope.In, newcomer message.Member) {
	next := 0
	for range n.Cfg.JoinListDatagrams {
		if next >= n.Members.Len() {
			return
		}
		out, buf := n.Open()
		w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
		if !n.Commit(out, 0, err, message.TypeMemberList) {
			return
		}
		for next < n.Members.Len() {
			mb := n.Members.At(next)
			if mb.ID == newcomer.ID {
				next++
				continue
			}
			if !w.Add(message.Member{ID: mb.ID, Addr: mb.Addr}) {
				break
			}
			next++
		}
		if w.Count() == 0 {
			n.Out.Close(out)
			return
		}
		n.Out.Commit(out, w.Finish(), message.TypeMemberList)
		n.To(out, in.From, newcomer.ID, n.Cfg.RetryAttempts)
		n.Out.Close(out)
	}
}
