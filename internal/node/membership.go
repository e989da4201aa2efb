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
// A member whose record has an incarnation (it speaks the extensions)
// comes back only with a higher one: see Revive.
func (n *Node) AddMember(m members.Member, direct bool) bool {
	if tb, ok := n.Members.Tomb(m.ID, n.Now); ok {
		if !direct || (tb.Inc > 0 && m.Inc <= tb.Inc) {
			n.Stats.MembersBuried++
			return false
		}
		n.Members.Unbury(m.ID)
	}
	if cur, ok := n.Members.Get(m.ID); ok && cur.Addr != m.Addr {
		if cur.Inc > 0 && !direct && m.Inc <= cur.Inc {
			// Hearsay (a base-format list) does not move a member whose
			// record this node holds: only the member, or its newer record.
			return false
		}
		// The id moved to another address. Whoever held that address is
		// gone (a restart there, with a new id): say so, and bury it.
		if other, taken := n.Members.ByAddr(m.Addr); taken && other.ID != m.ID {
			n.displace(other)
		}
	}
	r, old := n.Members.Add(m)
	switch r {
	case members.Added:
	case members.Replaced:
		n.Out.DropTo(old.Addr)
		n.Detector.Forget(old.ID)
		n.Members.Bury(members.Tomb{ID: old.ID, Addr: old.Addr, Inc: old.Inc, Reason: members.Displaced, Until: n.Now.Add(n.Cfg.TombstonePeriod)})
		n.Stats.MembersReplaced++
		n.emit(MemberReplaced, old)
	case members.Moved:
		n.Out.DropTo(old.Addr)
		if cur, ok := n.Members.Get(m.ID); ok {
			n.Stats.MembersUpdated++
			n.emit(MemberUpdated, cur)
		}
		return false
	case members.Full:
		n.Stats.MembersRefused++
		return false
	default:
		return false
	}
	n.Stats.MembersAdded++
	added, _ := n.Members.Get(m.ID)
	n.emit(MemberJoined, added)
	LogMember(n.Logger.Debug(), m.ID, m.Addr).Msg("member joined")
	return true
}

// displace removes a member whose address another id took over.
func (n *Node) displace(old members.Member) {
	n.Members.Remove(old.ID)
	n.Out.DropTo(old.Addr)
	n.Detector.Forget(old.ID)
	n.Members.Bury(members.Tomb{ID: old.ID, Addr: old.Addr, Inc: old.Inc, Reason: members.Displaced, Until: n.Now.Add(n.Cfg.TombstonePeriod)})
	n.Stats.MembersReplaced++
	n.emit(MemberReplaced, old)
}

// RemoveMember removes the member with id, drops what is queued for it,
// buries it (at incarnation inc, or its own if higher, declared by from)
// and reports the event ev (MemberLeft or MemberFailed).
func (n *Node) RemoveMember(id uint64, ev MemberEvent, inc uint32, from uint64) bool {
	m, ok := n.Members.Remove(id)
	if !ok {
		return false
	}
	n.Out.DropTo(m.Addr)
	n.Detector.Forget(id)
	reason := members.Failed
	if ev == MemberLeft {
		reason = members.Left
	}
	n.Members.Bury(members.Tomb{ID: id, Addr: m.Addr, Inc: max(inc, m.Inc), Reason: reason, From: from, Until: n.Now.Add(n.Cfg.TombstonePeriod)})
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
		n.OnMember(ev, m)
	}
}

// SpreadMembers announces news (members just learned from base-format
// member lists, whose incarnations are unknown) with the Rumor spread: to
// the ring successor and RumorFactor-1 random members, never to the one
// it came from (exclude) nor to the news itself.
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

// maxExclude matches spread's bound on exclusions.
const maxExclude = 8

// News returns the node's reusable slice for members just learned.
func (n *Node) News() []members.Member { return n.news[:0] }

// KeepNews stores a grown news slice for reuse.
func (n *Node) KeepNews(s []members.Member) { n.news = s[:0] }

// MaxGreetings bounds the Hellos this node has out to senders it did not
// know, so forged sources cannot make it send more than a handful.
const MaxGreetings = 4

// Greet reaches out to a node that contacted this one without being in
// its member table: this node missed its announcement, or removed it. A
// member removed as failed whose record had an incarnation is told its
// verdict instead (see TellVerdict), so that it refutes it and comes
// back with a higher incarnation. Anyone else gets a Hello: the node
// answers with a Welcome naming itself (and, if it did not know this node
// either, treats it as a newcomer). It is membership's anti-entropy: any
// two members of which one knows the other come to know each other at
// their first contact, at the latest within one probe cycle of the one
// that knows. At most MaxGreetings are out at once, and one per address.
func (n *Node) Greet(to netip.AddrPort) {
	if tb, ok := n.Members.TombAt(to, n.Now); ok && tb.Inc > 0 {
		n.TellVerdict(tb, to)
		return
	}
	n.reach(to) // a Join: a node that speaks the extensions answers it with its record
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

// JoinVia asks the node at addr to let this one in: a Join (this node's
// own record), which a node that speaks the extensions answers with a
// Welcome and its members' records, and, one ProbeTimeout later unless
// that Welcome came first, a Hello, for a node that speaks only the base
// format (it drops the Join). Between nodes that speak the extensions no
// base-format message is needed, so every member they learn comes with
// its record.
func (n *Node) JoinVia(to netip.AddrPort) {
	n.sendJoin(to)
	out, buf := n.Open()
	h := message.Hello{Member: n.Self}
	size, err := h.Encode(buf, 0)
	if n.Commit(out, size, err, message.TypeHello) {
		n.Out.AddAt(out, to, 0, n.Cfg.RetryAttempts, 0, n.Now.Add(n.Cfg.ProbeTimeout))
		n.Out.Close(out)
	}
}

// sendJoin queues a Join (this node's record) to addr, retried
// RetryAttempts times.
func (n *Node) sendJoin(to netip.AddrPort) {
	out, buf := n.Open()
	j := message.Join{Record: n.SelfRecord()}
	size, err := j.Encode(buf, 0)
	if n.Commit(out, size, err, message.TypeJoin) {
		n.To(out, to, n.IDAt(to), n.Cfg.RetryAttempts)
		n.Out.Close(out)
	}
}

// SpeaksExtensions records that the member at index i speaks the
// extensions. If this node learned it from a base-format message (a
// Welcome, a MemberList) and so lacks its record, it asks for it with a
// Join, which such a member answers with its record: the failure detector
// needs the member's incarnation before it can suspect it.
func (n *Node) SpeaksExtensions(i int) {
	m := n.Members.At(i)
	if m.Ext && m.Inc > 0 {
		return
	}
	n.Members.SetExt(i)
	if m.Inc == 0 && n.Phase == Connected && !n.Out.PendingTo(m.Addr, message.TypeJoin) &&
		n.Out.Pending(message.TypeJoin) < MaxGreetings {
		n.sendJoin(m.Addr)
	}
}

// Reconnect tries to reach again a node this one may have lost wrongly:
// a member removed within TombstonePeriod (a partition, or a slow node,
// looks like a crash), and a seed it joined through that it does not
// count as a member now. It greets one of each (see Greet, whose bounds
// apply). A node that is really gone costs a few unanswered datagrams; a
// live one answers, and the two know each other again at once. The seeds
// are what brings the two sides of a partition back together once it
// outlasted the tombstones (with failures found in seconds, a long
// partition leaves each side with no trace of the other): they are the
// addresses every node knows. Run every MemberSyncRounds rounds.
func (n *Node) Reconnect() {
	// One sync round in four: every node holds the same burials, and one
	// greeting across a healed partition is enough to start the exchange
	// of verdicts that brings both sides back (see TellVerdict), while a
	// member that is really gone is greeted by the whole cluster.
	if n.Rand.IntN(4) == 0 {
		if addr, ok := n.Members.BuriedAddr(n.Rand, n.Now); ok {
			n.reach(addr)
		}
	}
	if len(n.Seeds) > 0 {
		start := n.Rand.IntN(len(n.Seeds))
		for k := range n.Seeds {
			a := n.Seeds[(start+k)%len(n.Seeds)]
			if _, member := n.Members.ByAddr(a); !member && a != n.Self.Addr {
				n.reach(a)
				break
			}
		}
	}
}

// reach greets addr with a Join (and its fallback Hello), within Greet's
// bounds.
func (n *Node) reach(addr netip.AddrPort) {
	if n.Out.Pending(message.TypeHello)+n.Out.Pending(message.TypeJoin) >= 2*MaxGreetings ||
		n.Out.PendingTo(addr, message.TypeHello) || n.Out.PendingTo(addr, message.TypeJoin) {
		return
	}
	n.JoinVia(addr)
	n.Stats.Greetings++
}

// AnnounceMember passes one member just learned on as news, excluding
// the table index exclude: its record by rumor if it has one, or a
// base-format member list if its incarnation is unknown.
func (n *Node) AnnounceMember(m members.Member, exclude int) {
	if m.Inc > 0 {
		ex := uint64(0)
		if exclude >= 0 {
			ex = n.Members.At(exclude).ID
		}
		n.QueueRumor(message.Record{Kind: message.RecordAlive, ID: m.ID, Inc: m.Inc, Addr: m.Addr, Meta: m.Meta}, ex)
		return
	}
	news := append(n.News(), m)
	n.SpreadMembers(news, exclude)
	n.KeepNews(news)
}
