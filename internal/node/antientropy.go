package node

import "github.com/tickgossip/gossip/message"

// StatusRound sends this node's version vector to the next member in
// round-robin order. A vector longer than one datagram is sent in
// rotating full slices, one per round, so every origin is advertised
// within ceil(origins / MaxStatusRecords) rounds. Records are in ascending
// id order (a slice may wrap around to the smallest ids); each carries the
// contiguous point (every seq up to it has been seen).
//
// It is also the failure detector's probe: the Status is acknowledged, and
// an envelope that runs out of attempts removes its recipient.
func (n *Node) StatusRound(fanout int) {
	n.round++
	sync := n.Cfg.MemberSyncRounds > 0 && n.round%uint64(n.Cfg.MemberSyncRounds) == 0
	targets := n.ProbeTargets(n.Scratch(), fanout)
	if len(targets) == 0 && sync {
		n.Reconnect() // alone: try the lost members and the seeds
	}
	for _, i := range targets {
		if sync {
			n.watch(i, n.memberSync(i))
			continue
		}
		n.watch(i, n.status(i))
	}
	if sync && len(targets) > 0 {
		n.Reconnect()
	}
	n.KeepScratch(targets)
}

// status sends the member at index i this round's Status and returns its
// envelope's seq.
func (n *Node) status(i int) uint32 {
	m, buf := n.Open()
	w, err := message.NewStatusWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(m, 0, err, message.TypeStatus) {
		return 0
	}
	// The first record is always this node's own (its OwnSeq, 0 if it
	// has sent nothing): that marks a round's Status, as opposed to an
	// answer (see handler.Status). Then a window of consecutive other
	// origins, wrapping around the end, so every Status of a long
	// vector is full: a round's Status with room to spare is then the
	// whole vector.
	w.Add(n.Self.ID, n.OwnSeq)
	v := n.Versions
	if n.statusFrom >= v.Len() {
		n.statusFrom = 0
	}
	j := n.statusFrom
	for k := 0; k < v.Len(); k++ {
		o := v.At((n.statusFrom + k) % v.Len())
		if o.ID == n.Self.ID {
			j = (n.statusFrom + k + 1) % v.Len()
			continue
		}
		if !w.Add(o.ID, o.Contiguous) {
			break
		}
		j = (n.statusFrom + k + 1) % v.Len()
	}
	n.statusFrom = j
	n.Out.Commit(m, w.Finish(), message.TypeStatus)
	mb := n.Members.At(i)
	seq := n.ToSeq(m, mb.Addr, mb.ID, n.Cfg.RetryAttempts)
	n.Out.Close(m)
	n.Stats.StatusSent++
	return seq
}

// memberSync sends the member at index i a MemberList slice of this
// node's table instead of a Status, every MemberSyncRounds rounds: the
// anti-entropy of membership. Two members that both missed each other's
// announcement have no reason to talk; a third that knows both puts each
// in front of the other this way. The slice is acknowledged like any
// MemberList, so it probes for failure as the Status would have, and the
// round costs the same two datagrams.
func (n *Node) memberSync(i int) uint32 {
	to := n.Members.At(i)
	if to.Ext && to.Inc > 0 {
		return n.digestSync(to)
	}
	m, buf := n.Open()
	w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(m, 0, err, message.TypeMemberList) {
		return 0
	}
	k := (n.Cfg.MaxMessageSize - message.HeaderSize - 2) / n.Self.Len()
	slice := n.Members.SyncSlice(n.News(), k)
	for _, mb := range slice {
		// A member whose address has not proved it receives (it joined
		// with a Hello this node could not yet check) is not passed on:
		// one forged Hello must not make the cluster send to its address.
		if mb.ID != to.ID && !n.unproven(mb.Addr) {
			w.Add(message.Member{ID: mb.ID, Addr: mb.Addr})
		}
	}
	n.KeepNews(slice)
	n.Out.Commit(m, w.Finish(), message.TypeMemberList)
	seq := n.ToSeq(m, to.Addr, to.ID, n.Cfg.RetryAttempts)
	n.Out.Close(m)
	n.Stats.MemberSyncs++
	return seq
}
