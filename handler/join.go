package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Join answers a node that asks to join through this one and speaks the
// extensions (only a CONNECTED node gets here): its record (incarnation,
// metadata) is taken as the member's own word. A newcomer, or a member
// known only from a base-format list, gets this node's members as
// records, in at most JoinListDatagrams Updates, then a Welcome naming
// the Join's seq, then, if it is news, a rumor announcing it. A member
// already known by its record (a greeting, or a retried Join) gets the
// Welcome and this node's own record. One that this node removed at an
// incarnation at least as high is told its verdict (by node.Apply), and
// comes back when it refutes it. The joiner's Hello, which follows the
// Join, then finds a known member and gets just a Welcome.
func Join(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var m message.Join
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	r := m.Record
	if r.ID == n.Self.ID {
		n.Drop(node.DropSelf)
		return node.NoChange
	}
	if r.Addr != in.From {
		n.Drop(node.DropSpoofed) // a Join names its own sender
		return node.NoChange
	}
	cur, known := n.Members.Get(r.ID)
	hadRecord := known && cur.Addr == in.From && cur.Inc > 0
	news := n.Apply(r, node.Self, in.From)
	if i := n.MemberIndex(in.From); i >= 0 {
		n.Members.SetExt(i)
	}
	if hadRecord {
		n.SendSelf(in.From, r.ID)
	} else {
		sendRecordLists(n, in, r.ID)
	}
	welcome(n, in, h.Seq, r.ID)
	if news {
		n.QueueRumor(r, 0)
	}
	return node.NoChange
}

// sendRecordLists sends a joiner this node's own record and its members'
// (those with a known incarnation), filling whole Updates, at most
// JoinListDatagrams of them; members known only from base-format lists
// follow in a MemberList if room is left. Like sendMemberLists, the cap
// keeps a seed's cost per join constant; introductions do the rest.
func sendRecordLists(n *node.Node, in envelope.In, joiner uint64) {
	next, sent, base := 0, 0, 0
	self := true
	for sent < n.Cfg.JoinListDatagrams && (self || next < n.Members.Len()) {
		out, buf := n.Open()
		w, err := message.NewUpdateWriter(buf[:n.Cfg.MaxMessageSize], 0, false)
		if !n.Commit(out, 0, err, message.TypeUpdate) {
			return
		}
		if self {
			w.Add(n.SelfRecord())
			self = false
		}
		for next < n.Members.Len() {
			mb := n.Members.At(next)
			if mb.ID == joiner || mb.Inc == 0 {
				if mb.ID != joiner {
					base++
				}
				next++
				continue
			}
			if !w.Add(message.Record{Kind: message.RecordAlive, ID: mb.ID, Inc: mb.Inc, Addr: mb.Addr, Meta: mb.Meta}) {
				break
			}
			next++
		}
		n.Out.Commit(out, w.Finish(), message.TypeUpdate)
		n.ToFast(out, in.From, joiner)
		n.Out.Close(out)
		sent++
	}
	if base > 0 && sent < n.Cfg.JoinListDatagrams {
		sendBaseMembers(n, in, joiner)
	}
}

// sendBaseMembers sends a joiner, in one MemberList, the members known
// only from base-format lists (no incarnation, so no record).
func sendBaseMembers(n *node.Node, in envelope.In, joiner uint64) {
	out, buf := n.Open()
	w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(out, 0, err, message.TypeMemberList) {
		return
	}
	for i := range n.Members.Len() {
		if mb := n.Members.At(i); mb.Inc == 0 && mb.ID != joiner && !w.Add(message.Member{ID: mb.ID, Addr: mb.Addr}) {
			break
		}
	}
	n.Out.Commit(out, w.Finish(), message.TypeMemberList)
	n.To(out, in.From, joiner, n.Cfg.RetryAttempts)
	n.Out.Close(out)
}
