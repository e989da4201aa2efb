package node

import (
	"net/netip"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/message"
)

// AddMember adds m to the table, keeps the counters and events, and
// reports whether m is news to this node (added, or replacing a restarted
// node at its address). A member removed within TombstonePeriod comes back
// only when the news comes from the member itself (direct: its Hello, its
// Welcome, its own introduction); hearsay about it is ignored and counted.
func (n *Node) AddMember(m message.Member, direct bool) bool {
	if n.Members.Buried(m.ID, n.Now) {
		if !direct {
			n.Stats.MembersBuried++
			return false
		}
		n.Members.Unbury(m.ID)
	}
	r, old := n.Members.Add(members.Member{ID: m.ID, Addr: m.Addr})
	switch r {
	case members.Added:
	case members.Replaced:
		n.Out.DropTo(old.Addr)
		n.Members.Bury(old.ID, old.Addr, n.Now.Add(n.Cfg.TombstonePeriod))
		n.Stats.MembersReplaced++
		n.emit(MemberReplaced, old)
	case members.Moved:
		n.Out.DropTo(old.Addr)
		return false
	case members.Full:
		n.Stats.MembersRefused++
		return false
	default:
		return false
	}
	n.Stats.MembersAdded++
	n.emit(MemberJoined, members.Member{ID: m.ID, Addr: m.Addr})
	LogMember(n.Logger.Debug(), m.ID, m.Addr).Msg("member joined")
	return true
}

// RemoveMember removes the member with id, drops what is queued for it,
// and reports the event ev (MemberLeft or MemberFailed).
func (n *Node) RemoveMember(id uint64, ev MemberEvent) bool {
	m, ok := n.Members.Remove(id)
	if !ok {
		return false
	}
	n.Out.DropTo(m.Addr)
	n.Members.Bury(id, m.Addr, n.Now.Add(n.Cfg.TombstonePeriod))
	if ev == MemberLeft {
		n.Stats.MembersLeft++
	} else {
		n.Stats.MembersFailed++
	}
	n.emit(ev, m)
	LogMember(n.Logger.Debug(), id, m.Addr).Stringer("event", ev).Msg("member removed")
	return true
}

func (n *Node) emit(ev MemberEvent, m members.Member) {
	if n.OnMember != nil {
		n.OnMember(ev, m.ID, m.Addr)
	}
}

// SpreadMembers announces news (members just learned) with the Rumor
// spread: to the ring successor and RumorFactor-1 random members, never
// to the one it came from (exclude) nor to the news itself.
func (n *Node) SpreadMembers(news []members.Member, exclude int) {
	for len(news) > 0 {
		m, buf := n.Open()
		w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
		if err != nil {
			n.Commit(m, 0, err, message.TypeMemberList)
			return
		}
		k := 0
		for k < len(news) && w.Add(message.Member{ID: news[k].ID, Addr: news[k].Addr}) {
			k++
		}
		if k == 0 {
			n.Out.Close(m)
			return
		}
		n.Commit(m, w.Finish(), nil, message.TypeMemberList)
		var ex [maxExclude]int
		exc := append(ex[:0], exclude)
		for _, nm := range news[:k] {
			if len(exc) == maxExclude {
				break
			}
			exc = append(exc, n.IDIndex(nm.ID))
		}
		idx := n.Rumor(n.Scratch(), exc)
		n.ToMembers(m, idx, n.Cfg.RetryAttempts)
		n.KeepScratch(idx)
		n.Out.Close(m)
		news = news[k:]
	}
}

// Announce passes one member just learned on as news (see SpreadMembers).
func (n *Node) Announce(m message.Member, exclude int) {
	news := append(n.News(), members.Member{ID: m.ID, Addr: m.Addr})
	n.SpreadMembers(news, exclude)
	n.KeepNews(news)
}

// maxExclude matches spread's bound on exclusions.
const maxExclude = 8

// News returns the node's reusable slice for members just learned.
func (n *Node) News() []members.Member { return n.news[:0] }

// KeepNews stores a grown news slice for reuse.
func (n *Node) KeepNews(s []members.Member) { n.news = s[:0] }

// MaxGreetings bounds the Hellos this node has out to senders it did not
// know, so forged sources cannot make it send more than a handful.
const MaxGreetings = 4

// Greet sends a Hello to a node that contacted this one without being in
// its member table: this node missed its announcement. The node answers
// with a Welcome naming itself (and, if it did not know this node either,
// treats it as a newcomer). It is membership's anti-entropy: any two
// members of which one knows the other come to know each other at their
// first contact, at the latest within one probe cycle of the one that
// knows. At most MaxGreetings are out at once, and one per address.
func (n *Node) Greet(to netip.AddrPort) {
	if n.Out.Pending(message.TypeHello) >= MaxGreetings || n.Out.PendingTo(to, message.TypeHello) {
		return
	}
	n.Hello(to)
	n.Stats.Greetings++
}

// Hello queues a Hello to addr, retried RetryAttempts times.
func (n *Node) Hello(to netip.AddrPort) {
	out, buf := n.Open()
	h := message.Hello{Member: n.Self}
	size, err := h.Encode(buf, 0)
	if n.Commit(out, size, err, message.TypeHello) {
		n.To(out, to, 0, n.Cfg.RetryAttempts)
		n.Out.Close(out)
	}
}

// Reconnect tries to reach again a node this one may have lost wrongly:
// a member removed within TombstonePeriod (a partition, or a slow node,
// looks like a crash), or, when this node knows no member at all, the
// seeds it joined through. It greets one such address (see Greet, whose
// bounds apply). A node that is really gone costs a few unanswered
// Hellos; a live one answers with a Welcome, and the two know each other
// again at once. Run every MemberSyncRounds rounds.
func (n *Node) Reconnect() {
	if addr, ok := n.Members.BuriedAddr(n.Rand, n.Now); ok {
		n.Greet(addr)
	}
	if n.Members.Len() == 0 {
		for _, a := range n.Seeds {
			n.Greet(a)
		}
	}
}
