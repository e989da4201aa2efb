package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// MemberList acknowledges the list and adds the members this node did not
// know (never itself; never beyond MaxMembers). An empty list is the
// probe of choice (it is acknowledged and changes nothing, at every peer).
// Members learned from a list have no known incarnation until their own
// record arrives.
//
// Members that are news are passed on once with the Rumor spread, like
// data, unless this node is still JOINING (the list is the seed's answer
// to our Hello: history, not news) or the member is introducing itself (the list came
// from the member's own address). Members learned from a passed-on rumor
// may also get an introduction from this node, see introduce.
func MemberList(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var m message.MemberList
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	joinAnswer := n.Phase == node.Joining
	news := n.News()
	it := m.Iter()
	for mb, ok := it.Next(); ok; mb, ok = it.Next() {
		self := mb.Addr == in.From // the member introducing itself
		if self {
			if tb, buried := n.Members.Tomb(mb.ID, n.Now); buried && tb.Inc > 0 {
				n.TellVerdict(tb, in.From) // it comes back by refuting it
				continue
			}
		}
		if !n.AddMember(members.Member{ID: mb.ID, Addr: mb.Addr}, self) || joinAnswer || self {
			continue
		}
		news = append(news, members.Member{ID: mb.ID, Addr: mb.Addr})
	}
	// Ack after adding: a member replaced at the sender's address (a
	// restarted node introducing itself) drops what was queued for that
	// address, and the Ack must survive it.
	n.Ack(in.From, h.Seq)
	if len(news) > 0 {
		n.SpreadMembers(news, n.MemberIndex(in.From))
		introduce(n, news)
	}
	n.KeepNews(news)
	return node.NoChange
}

// introduce sends this node's own entry to each newcomer it has just
// heard of by rumor, unless the newcomer's seed listed this node in its
// answer. A seed lists its members in id order, skipping the newcomer,
// until JoinListDatagrams are full, so a node whose rank by id (among the
// members it knows) is below what those datagrams hold was listed. A
// margin covers tables that differ a little. In a cluster the seed's
// answer covers, nobody introduces itself; in a larger one, the nodes the
// answer leaves out do, so a newcomer comes to know the whole cluster
// while the seed's cost per join stays constant.
func introduce(n *node.Node, news []members.Member) {
	margin := 0
	cover := n.Cfg.JoinListDatagrams * ((n.Cfg.MaxMessageSize - message.HeaderSize - 2) / n.Self.Len())
	if self := n.SelfRecord(); len(news) > 0 && news[0].Inc > 0 {
		// A newcomer that speaks the extensions got records, which are
		// longer (metadata included): fewer of them fit.
		cover = n.Cfg.JoinListDatagrams * (message.MaxRecordLen(n.Cfg.MaxMessageSize) / self.Len())
	}
	// A node's rank is only an estimate (its table may lack a few smaller
	// ids, the seed's may hold more): a node in the last quarter of what
	// the seed's answer holds introduces itself too. The margin costs a few
	// datagrams per join; a node that wrongly believes it was listed stays
	// unknown to the newcomer until a digest finds it.
	margin = max(8, cover/4)
	if n.Members.Len() <= cover-margin {
		return
	}
	below, _ := n.Members.Index(n.Self.ID) // members with a smaller id
	for _, nm := range news {
		rank := below
		if nm.ID < n.Self.ID {
			rank-- // the seed skipped the newcomer itself
		}
		if rank < cover-margin {
			continue
		}
		n.Stats.Introductions++
		if nm.Inc > 0 {
			n.SendSelf(nm.Addr, nm.ID)
			continue
		}
		out, buf := n.Open()
		w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
		if !n.Commit(out, 0, err, message.TypeMemberList) {
			return
		}
		w.Add(n.Self)
		n.Out.Commit(out, w.Finish(), message.TypeMemberList)
		n.To(out, nm.Addr, nm.ID, n.Cfg.RetryAttempts)
		n.Out.Close(out)
	}
}
