package node

import (
	"net/netip"
	"slices"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/message"
)

// Source says how a membership record reached this node, which decides
// what it may change.
type Source uint8

// The sources of a record.
const (
	// Rumor: in a rumor Update, news that others pass on. A verdict
	// (failed) that comes this way is applied at once: it is how a
	// failure reaches every node within milliseconds.
	Rumor Source = iota + 1
	// State: in a state Update (a table slice, an answer, a verdict
	// notice). A verdict that comes this way about a member this node
	// still holds is not applied: this node suspects the member and tells
	// it, so that a live member refutes it (two sides of a healed
	// partition hold verdicts about each other) and a dead one is removed
	// when the suspicion ends.
	State
	// Self: the member's own word, its Join.
	Self
)

// Apply merges one record into this node's view and reports whether it
// is news: something this node did not know, for a rumor to pass on.
// Records are ordered by incarnation, and at equal incarnations left and
// failed beat suspect, which beats alive (docs/protocol.md, "Membership
// records"). A record about this node that says it is suspect, failed or
// left makes it refute at once; a record older than what this node holds
// makes it tell the sender (from) the newer one, so stale views converge
// at the first contact.
func (n *Node) Apply(r message.Record, src Source, from netip.AddrPort) bool {
	if r.ID == n.Self.ID {
		n.applyToSelf(r, from)
		return false
	}
	if tb, ok := n.Members.Tomb(r.ID, n.Now); ok {
		return n.applyToTomb(r, tb, src, from)
	}
	i, ok := n.Members.Index(r.ID)
	if !ok {
		return n.applyToStranger(r)
	}
	m := n.Members.At(i)
	if r.Inc < m.Inc {
		if from != m.Addr { // the member itself is never behind on its own record
			n.correct(m)
		}
		return false
	}
	switch r.Kind {
	case message.RecordAlive:
		return n.applyAlive(i, m, r, src)
	case message.RecordSuspect:
		return n.applySuspect(i, m, r)
	case message.RecordFailed:
		if src != Rumor {
			n.suspectOnHearsay(i, m, r)
			return false
		}
		return n.RemoveMember(m.ID, MemberFailed, r.Inc, r.From)
	case message.RecordLeft:
		return n.RemoveMember(m.ID, MemberLeft, r.Inc, 0) && src == Rumor
	}
	return false
}

// applyToSelf answers what others believe of this node. A suspicion
// needs no answer beyond the Ack its datagram gets: every node that holds
// it ends it when it hears from this node (see Detector.HeardFrom), so
// this node's incarnation, and everyone's view of it, stays as it is. A
// verdict that it failed or left, at its incarnation or above, it
// refutes; an older one, it corrects.
func (n *Node) applyToSelf(r message.Record, from netip.AddrPort) {
	switch r.Kind {
	case message.RecordAlive:
		if r.Inc > n.Inc { // an echo of a record this node no longer has
			n.Inc = r.Inc
			n.Refute(0, from)
		}
	case message.RecordSuspect:
		n.suspected()
	default:
		if r.Inc < n.Inc {
			n.tell(from, n.SelfRecord())
			return
		}
		n.Inc = r.Inc
		n.Refute(r.From, from)
	}
}

// suspected tells local health that others could not reach this node: at
// most once a TickInterval, however many pings the suspicion brings.
func (n *Node) suspected() {
	if n.Now.Sub(n.lastSuspected) < n.Cfg.TickInterval {
		return
	}
	n.lastSuspected = n.Now
	n.Stats.Suspected++
	n.Detector.Refuted()
}

// Refute raises this node's incarnation past a verdict that it failed or
// left, and spreads its new record: by rumor, since the verdict was news
// for everyone, and directly to the declarer and to whoever told it.
// Every node that removed this one takes it back on the higher
// incarnation.
func (n *Node) Refute(accuser uint64, from netip.AddrPort) {
	n.Inc++
	n.Stats.Refutations++
	n.Detector.Refuted()
	self := n.SelfRecord()
	n.QueueRumor(self, 0)
	// Directly too, as news to pass on: the declarer and whoever told
	// this node may sit where this node's own rumor does not reach (the
	// other side of a healed partition, which removed it).
	if from.IsValid() {
		n.sendRecords(append(n.one[:0], self), from, n.IDAt(from), true)
	}
	if addr, ok := n.addrOf(accuser); ok && addr != from {
		n.sendRecords(append(n.one[:0], self), addr, n.IDAt(addr), true)
	}
	LogID(n.Logger.Info(), "accuser", accuser).Uint32("incarnation", n.Inc).Msg("refuted a verdict of this node")
}

// addrOf returns where id is, or was before it was removed.
func (n *Node) addrOf(id uint64) (netip.AddrPort, bool) {
	if id == 0 || id == n.Self.ID {
		return netip.AddrPort{}, false
	}
	if m, ok := n.Members.Get(id); ok {
		return m.Addr, true
	}
	if tb, ok := n.Members.Tomb(id, n.Now); ok {
		return tb.Addr, true
	}
	return netip.AddrPort{}, false
}

// applyToTomb brings a removed member back only on a higher incarnation
// than the one it was removed at.
func (n *Node) applyToTomb(r message.Record, tb members.Tomb, src Source, from netip.AddrPort) bool {
	if r.Kind != message.RecordAlive {
		if r.Inc > tb.Inc {
			tb.Inc = r.Inc
			n.Members.Bury(tb)
		}
		return false
	}
	if r.Inc > tb.Inc {
		n.Members.Unbury(r.ID)
		return n.AddMember(members.Member{ID: r.ID, Addr: r.Addr, Inc: r.Inc, Meta: r.Meta, Ext: true}, true)
	}
	n.Stats.MembersBuried++
	if src == Self {
		n.TellVerdict(tb, from)
	}
	return false
}

// applyToStranger adds a member this node did not know, and buries one
// that is already reported gone, so that older hearsay cannot add it.
func (n *Node) applyToStranger(r message.Record) bool {
	switch r.Kind {
	case message.RecordAlive:
		return n.AddMember(members.Member{ID: r.ID, Addr: r.Addr, Inc: r.Inc, Meta: r.Meta, Ext: true}, true)
	case message.RecordFailed, message.RecordLeft:
		reason := members.Failed
		if r.Kind == message.RecordLeft {
			reason = members.Left
		}
		n.Members.Bury(members.Tomb{ID: r.ID, Inc: r.Inc, Reason: reason, From: r.From, Until: n.Now.Add(n.Cfg.TombstonePeriod)})
	}
	return false
}

// applyAlive takes a member's newer record: its incarnation, metadata and
// address. A higher incarnation refutes any suspicion of a lower one.
func (n *Node) applyAlive(i int, m members.Member, r message.Record, src Source) bool {
	if r.Inc == m.Inc {
		if src == Self {
			n.Members.SetExt(i)
		}
		// Another holder of this node's suspicion heard from the member
		// (see Vouch): the suspicion, which never left its holders, ends.
		if inc, ok := n.Detector.Suspected(m.ID); ok && inc <= r.Inc {
			n.Detector.Clear(m.ID)
			n.Stats.SuspicionsVouched++
		}
		return false
	}
	// The record first, then the address: a member that moves gets one
	// MemberUpdated (the move's), which reports its new record, rather
	// than its old one at the new address and a second event for the
	// metadata.
	changed := n.Members.SetRecord(i, r.Inc, r.Meta, true)
	if r.Addr != m.Addr {
		n.AddMember(members.Member{ID: m.ID, Addr: r.Addr, Inc: r.Inc, Meta: r.Meta, Ext: true}, true)
		var ok bool
		if i, ok = n.Members.Index(m.ID); !ok {
			return false
		}
		changed = changed && n.Members.At(i).Addr != r.Addr // else the move reported it
	}
	if changed {
		n.Stats.MembersUpdated++
		n.emit(MemberUpdated, n.Members.At(i))
	}
	if inc, ok := n.Detector.Suspected(m.ID); ok && inc < r.Inc {
		n.Detector.Forget(m.ID)
		n.Stats.SuspicionsRefuted++
	}
	return true
}

// applySuspect records a suspicion, or a confirmation of one. A node
// that comes to hold a suspicion pings the suspect until it hears from
// it (the detector's ActPing). A suspicion is never passed on (see
// raiseSuspicion).
func (n *Node) applySuspect(i int, m members.Member, r message.Record) bool {
	if !m.Ext {
		return false // a base-format member is judged by its expiring envelopes
	}
	if r.Inc > m.Inc {
		n.Members.SetRecord(i, r.Inc, m.Meta, true)
	}
	n.Detector.Suspect(m.ID, m.Addr, r.Inc, r.From, n.Members.Len()+1, n.Now)
	return false
}

// suspectOnHearsay handles a verdict that did not come as a rumor: the
// member may well be alive (the verdict may come from across a healed
// partition), so this node suspects it, at the floor's timeout, which
// removes it if it does not answer, and tells it, so that it refutes if it
// can.
func (n *Node) suspectOnHearsay(i int, m members.Member, r message.Record) {
	if !m.Ext {
		return
	}
	if r.Inc > m.Inc {
		n.Members.SetRecord(i, r.Inc, m.Meta, true)
	}
	n.Detector.SuspectVerdict(m.ID, m.Addr, r.Inc, r.From, n.Members.Len()+1, n.Now)
	n.tell(m.Addr, r)
}

// correct tells the sender of a stale record the newer one this node
// holds.
func (n *Node) correct(m members.Member) {
	if m.Inc == 0 {
		return
	}
	n.Stats.Corrections++
	n.corr = append(n.corr, message.Record{Kind: message.RecordAlive, ID: m.ID, Inc: m.Inc, Addr: m.Addr, Meta: m.Meta})
}

// FlushCorrections sends the corrections gathered while handling one
// datagram to its sender, in one state Update.
func (n *Node) FlushCorrections(to netip.AddrPort) {
	if len(n.corr) > 0 {
		n.sendRecords(n.corr, to, n.IDAt(to), false)
	}
	n.corr = n.corr[:0]
}

// TellVerdict tells a member this node removed (it is at addr now) why,
// so that a live one refutes it and comes back: the verdict about it
// first, then this node's other recent verdicts, which the member
// forwards to those it holds alive (see suspectOnHearsay). That is how
// the two sides of a healed partition, each holding verdicts about the
// other, learn of them and refute them in one exchange.
func (n *Node) TellVerdict(tb members.Tomb, to netip.AddrPort) {
	if n.Out.PendingTo(to, message.TypeUpdate) {
		return
	}
	recs := n.verdicts[:0]
	if r, ok := n.verdictRecord(tb); ok {
		recs = append(recs, r)
	}
	limit := n.Cfg.JoinListDatagrams * message.MaxRecordLen(n.Cfg.MaxMessageSize) / (1 + 12 + 8)
	tombs := n.Members.RecentTombs(n.tombs[:0], limit, n.Now)
	for _, other := range tombs {
		if r, ok := n.verdictRecord(other); ok && other.ID != tb.ID {
			recs = append(recs, r)
		}
	}
	n.tombs = tombs[:0]
	if len(recs) > 0 {
		n.Stats.VerdictsTold++
		n.sendRecords(recs, to, 0, false)
	}
	n.verdicts = recs[:0]
}

// verdictRecord returns the record a burial stands for, if it has one.
func (n *Node) verdictRecord(tb members.Tomb) (message.Record, bool) {
	if tb.Inc == 0 {
		return message.Record{}, false
	}
	switch tb.Reason {
	case members.Failed:
		from := tb.From
		if from == 0 {
			from = n.Self.ID
		}
		return message.Record{Kind: message.RecordFailed, ID: tb.ID, Inc: tb.Inc, From: from}, true
	case members.Left:
		return message.Record{Kind: message.RecordLeft, ID: tb.ID, Inc: tb.Inc}, true
	}
	return message.Record{}, false
}

// tell sends one record directly to addr, in a state Update.
func (n *Node) tell(addr netip.AddrPort, r message.Record) {
	n.sendRecords(append(n.one[:0], r), addr, n.IDAt(addr), false)
}

// IDAt returns the id of the member at addr, or 0.
func (n *Node) IDAt(addr netip.AddrPort) uint64 {
	if m, ok := n.Members.ByAddr(addr); ok {
		return m.ID
	}
	return 0
}

// NewsRecords returns the node's reusable slice for records that are news.
func (n *Node) NewsRecords() []message.Record { return n.recs[:0] }

// KeepNewsRecords stores a grown records slice for reuse.
func (n *Node) KeepNewsRecords(s []message.Record) { n.recs = s[:0] }

// SpreadRecords passes records on as news with the Rumor spread (the ring
// successor and RumorFactor-1 random members, none of the table indices
// in exclude nor the subject of an Alive record); handlers gather news
// with QueueRumor instead, which batches it. Members that speak the extensions get
// an Update; the others, a MemberList of the Alive records' members, the
// part of the news the base format can carry. Retries come every
// ProbeTimeout: a refutation must beat the suspicion it refutes.
func (n *Node) SpreadRecords(recs []message.Record, exclude []int) {
	if len(recs) == 0 {
		return
	}
	var ex [maxExclude]int
	exc := append(ex[:0], exclude...)
	for _, r := range recs {
		if len(exc) == maxExclude {
			break
		}
		if r.Kind == message.RecordAlive {
			exc = append(exc, n.IDIndex(r.ID))
		}
	}
	idx := n.Rumor(n.Scratch(), exc)
	if verdicts(recs) {
		idx = n.secondSuccessor(idx, exc)
	}
	for len(recs) > 0 {
		out, buf := n.Open()
		w, err := message.NewUpdateWriter(buf[:n.Cfg.MaxMessageSize], 0, true)
		if !n.Commit(out, 0, err, message.TypeUpdate) {
			break
		}
		k := 0
		for k < len(recs) && w.Add(recs[k]) {
			k++
		}
		if k == 0 {
			n.Out.Close(out)
			break
		}
		n.Out.Commit(out, w.Finish(), message.TypeUpdate)
		base := false
		for _, i := range idx {
			mb := n.Members.At(i)
			if mb.Ext {
				n.ToFast(out, mb.Addr, mb.ID)
			} else {
				base = true
			}
		}
		n.Out.Close(out)
		if base {
			n.baseNews(recs[:k], idx)
		}
		recs = recs[k:]
	}
	n.KeepScratch(idx)
}

// verdicts reports whether recs hold a verdict (failed or left).
func verdicts(recs []message.Record) bool {
	for _, r := range recs {
		if r.Kind == message.RecordFailed || r.Kind == message.RecordLeft {
			return true
		}
	}
	return false
}

// secondSuccessor adds the member after this node's ring successor to a
// rumor's recipients. A verdict travels while other members may be dead
// too (several crash at once), and a dead successor breaks the chain that
// makes a rumor reach everyone: the next one keeps it whole.
func (n *Node) secondSuccessor(idx, exclude []int) []int {
	k := n.Members.Len()
	succ := n.Members.Successor()
	if k < 3 || succ < 0 {
		return idx
	}
	for range 2 {
		succ = (succ + 1) % k
		if !slices.Contains(idx, succ) && !slices.Contains(exclude, succ) {
			return append(idx, succ)
		}
	}
	return idx
}

// baseNews sends the Alive records' members as a MemberList to the
// recipients among idx that speak only the base format.
func (n *Node) baseNews(recs []message.Record, idx []int) {
	out, buf := n.Open()
	w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(out, 0, err, message.TypeMemberList) {
		return
	}
	for _, r := range recs {
		if r.Kind == message.RecordAlive {
			w.Add(message.Member{ID: r.ID, Addr: r.Addr})
		}
	}
	if w.Count() > 0 {
		n.Out.Commit(out, w.Finish(), message.TypeMemberList)
		for _, i := range idx {
			if mb := n.Members.At(i); !mb.Ext {
				n.To(out, mb.Addr, mb.ID, n.Cfg.RetryAttempts)
			}
		}
	}
	n.Out.Close(out)
}

// sendRecords sends records to one address, in as many Updates as they
// need, retried every ProbeTimeout.
func (n *Node) sendRecords(recs []message.Record, to netip.AddrPort, toID uint64, rumor bool) {
	for len(recs) > 0 {
		out, buf := n.Open()
		w, err := message.NewUpdateWriter(buf[:n.Cfg.MaxMessageSize], 0, rumor)
		if !n.Commit(out, 0, err, message.TypeUpdate) {
			return
		}
		k := 0
		for k < len(recs) && w.Add(recs[k]) {
			k++
		}
		if k == 0 {
			n.Out.Close(out)
			return
		}
		n.Out.Commit(out, w.Finish(), message.TypeUpdate)
		n.ToFast(out, to, toID)
		n.Out.Close(out)
		recs = recs[k:]
	}
}

// SendSelf sends this node's own record to one address: an introduction,
// or the answer to a greeting.
func (n *Node) SendSelf(to netip.AddrPort, toID uint64) {
	n.sendRecords(append(n.one[:0], n.SelfRecord()), to, toID, false)
}

// SendRecordsTo is sendRecords for handlers: records to one address.
func (n *Node) SendRecordsTo(recs []message.Record, to netip.AddrPort, toID uint64) {
	n.sendRecords(recs, to, toID, false)
}

// AnnounceSelf spreads this node's own record by rumor at once: new
// metadata.
func (n *Node) AnnounceSelf() {
	n.QueueRumor(n.SelfRecord(), 0)
	n.FlushRumors()
}
