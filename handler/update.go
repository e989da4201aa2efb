package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Update merges membership records (node.Apply has the rules) and
// acknowledges them. The news in a rumor Update is passed on once with
// the Rumor spread, like data. From a state Update (a table slice, an
// answer, a correction, a quiet refutation) only members this node did
// not know are passed on, as MemberList news always was. Nothing is
// passed on while this node is JOINING (the records are its seed's
// answer: history), nor a member introducing itself to this node (its own
// record from its own address, about a member this node did not know:
// news only here). Members learned from a passed-on rumor may also get an
// introduction from this node, see introduce. Stale records are answered with the newer ones this node
// holds, in one Update to the sender.
func Update(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var u message.Update
	if err := u.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	src := node.State
	if u.Rumor() {
		src = node.Rumor
	}
	joinAnswer := n.Phase == node.Joining
	news := n.NewsRecords()
	learned := n.News()
	it := u.Iter()
	for r, ok := it.Next(); ok; r, ok = it.Next() {
		own := r.Kind == message.RecordAlive && r.Addr == in.From
		_, knew := n.Members.Get(r.ID)
		knew = knew || n.Members.Buried(r.ID, n.Now)
		s := src
		if own {
			s = node.Self
		}
		// A rumor's news is passed on; state (a slice, an answer, a
		// correction, a quiet refutation) is passed on only where it adds
		// a member, and not an introduction.
		if !n.Apply(r, s, in.From) || joinAnswer || (own && !knew) || (!u.Rumor() && knew) {
			continue
		}
		news = append(news, r)
		if r.Kind == message.RecordAlive && !knew {
			learned = append(learned, members.Member{ID: r.ID, Addr: r.Addr, Inc: r.Inc})
		}
	}
	// Ack after applying: a member replaced at the sender's address (a
	// restarted node introducing itself) drops what was queued for that
	// address, and the Ack must survive it.
	n.Ack(in.From, h.Seq)
	n.FlushCorrections(in.From)
	sender := n.IDAt(in.From)
	for _, r := range news {
		n.QueueRumor(r, sender)
	}
	if len(learned) > 0 {
		introduce(n, learned)
	}
	n.KeepNewsRecords(news)
	n.KeepNews(learned)
	return node.NoChange
}
