package node

import (
	"net/netip"
	"time"

	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/message"
)

// observers is how many members just before a suspect on the ring hold
// its suspicion and probe it: one more than the confirmations that bring
// a suspicion to its floor, so that the floor is reached even when the
// accuser is one of them (its own word is not a confirmation).
func (n *Node) observers() int { return n.Cfg.IndirectProbes + 1 }

// ProbeTargets fills dst with the table indices of this round's probes:
// fanout members of the probe schedule (detector.ProbeTarget), so that
// in every round every member is probed by someone. (Two nodes that know
// each other only one way are repaired by digests, not by early probes of
// new members, which would break the schedule or cost idle traffic.)
func (n *Node) ProbeTargets(dst []int, fanout int) []int {
	k := n.Members.Len()
	if k == 0 {
		return dst
	}
	round := uint64(n.Now.UnixNano() / int64(n.Cfg.TickInterval))
	self := n.Position()
	for j := range min(fanout, k) {
		dst = append(dst, detector.ProbeTarget(self, k, round*uint64(fanout)+uint64(j)))
	}
	return dst
}

// watch starts the detector's probe of the member at index i, whose
// round datagram went out with seq. Only a member that speaks the
// extensions is judged by the detector; one that speaks only the base
// format keeps the base rule (its envelopes expire).
func (n *Node) watch(i int, seq uint32) {
	m := n.Members.At(i)
	if m.Ext && m.Inc > 0 && seq != 0 {
		n.Detector.Probe(detector.Direct, m.ID, m.Addr, m.Inc, seq, n.Now)
		LogID(n.Logger.Trace(), "member", m.ID).Msg("probe")
	}
}

// ping sends m a probe of the given kind: an empty MemberList, the
// smallest acknowledged datagram, which every peer answers (the base
// format acknowledges every MemberList) and which changes nothing. Sent
// once: the detector, not the queue, waits for its Ack.
func (n *Node) ping(m members.Member, kind detector.ProbeKind) uint32 {
	seq := n.emptyList(m)
	if seq != 0 {
		n.Detector.Probe(kind, m.ID, m.Addr, m.Inc, seq, n.Now)
	}
	return seq
}

// emptyList queues an empty MemberList to m, sent once, and returns its
// seq (0 if nothing was queued).
func (n *Node) emptyList(m members.Member) uint32 {
	out, buf := n.Open()
	w, err := message.NewMemberListWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(out, 0, err, message.TypeMemberList) {
		return 0
	}
	n.Out.Commit(out, w.Finish(), message.TypeMemberList)
	seq := n.ToSeq(out, m.Addr, m.ID, 1)
	n.Out.Close(out)
	return seq
}

// Detect carries out what the failure detector says is due: indirect
// probes, suspicions, answers to relays, confirmations and verdicts.
// Called from Tick.
func (n *Node) Detect() {
	for {
		a, ok := n.Detector.Step(n.Now)
		if !ok {
			return
		}
		switch a.Kind {
		case detector.ActRetry:
			if _, m, ok := n.current(a); ok {
				if seq := n.emptyList(m); seq != 0 {
					n.Detector.Retry(detector.Direct, m.ID, seq)
				}
			}
		case detector.ActIndirect:
			LogID(n.Logger.Debug(), "member", a.Target).Msg("probe unanswered: indirect probes")
			n.probeIndirectly(a)
		case detector.ActSuspect:
			n.raiseSuspicion(a)
		case detector.ActNack:
			n.ProbeResult(a.Requester, a.RequestSeq, a.Target, false)
		case detector.ActConfirm:
			n.confirmSuspicion(a)
		case detector.ActPing:
			n.pingSuspect(a)
		case detector.ActDeclare:
			n.declare(a)
		}
	}
}

// current returns the member a detector action is about, if it is still
// the member the action was decided on (same id, same address, no newer
// incarnation: a refutation since makes the action moot).
func (n *Node) current(a detector.Action) (int, members.Member, bool) {
	i, ok := n.Members.Index(a.Target)
	if !ok {
		return -1, members.Member{}, false
	}
	m := n.Members.At(i)
	if m.Addr != a.Addr || m.Inc > a.Inc {
		return -1, members.Member{}, false
	}
	return i, m, true
}

// probeIndirectly asks IndirectProbes members that speak the extensions
// to probe the target, and probes it once more directly.
func (n *Node) probeIndirectly(a detector.Action) {
	i, m, ok := n.current(a)
	if !ok {
		n.Detector.Forget(a.Target)
		return
	}
	if seq := n.emptyList(m); seq != 0 {
		n.Detector.Retry(detector.Direct, m.ID, seq)
	}
	k := n.Members.Len()
	if k < 2 {
		return
	}
	asked := 0
	start := n.Rand.IntN(k)
	for j := 0; j < k && asked < n.Cfg.IndirectProbes; j++ {
		r := (start + j) % k
		if r == i {
			continue
		}
		relay := n.Members.At(r)
		if !relay.Ext {
			continue
		}
		out, buf := n.Open()
		req := message.ProbeRequest{Target: message.Member{ID: m.ID, Addr: m.Addr}}
		size, err := req.Encode(buf, 0)
		if !n.Commit(out, size, err, message.TypeProbeRequest) {
			return
		}
		if seq := n.ToSeq(out, relay.Addr, relay.ID, 1); seq != 0 {
			n.Detector.Request(m.ID, relay.Addr, seq)
		}
		n.Out.Close(out)
		asked++
	}
}

// raiseSuspicion suspects a member that answered nobody. The suspicion
// is not a rumor: it goes to the member's observers, the IndirectProbes+1
// members just before it on the ring, which hold it too. Every holder
// pings the member every ProbeTimeout/4 (the detector's ActPing), ends its
// suspicion as soon as it hears from the member, confirms it to the other
// observers when the member does not answer its first ping
// (ActConfirm), and declares the member failed when it runs out. A
// suspicion that a lost datagram or a brief pause raised so costs a few
// datagrams, whatever the cluster's size; only a verdict is news for
// everyone.
func (n *Node) raiseSuspicion(a detector.Action) {
	i, m, ok := n.current(a)
	if !ok {
		return
	}
	if !n.Detector.Suspect(m.ID, m.Addr, m.Inc, n.Self.ID, n.Members.Len()+1, n.Now) {
		return
	}
	n.Detector.Raised()
	n.tellObservers(i, message.Record{Kind: message.RecordSuspect, ID: m.ID, Inc: m.Inc, From: n.Self.ID})
	LogID(n.Logger.Debug(), "member", m.ID).Uint32("incarnation", m.Inc).Msg("suspect")
}

// tellObservers sends a record about the member at index i to its
// observers.
func (n *Node) tellObservers(i int, r message.Record) {
	obs := detector.Predecessors(n.Scratch(), n.Position(), n.Members.Len(), i, n.observers())
	for _, j := range obs {
		o := n.Members.At(j)
		n.sendRecords(append(n.one[:0], r), o.Addr, o.ID, false)
	}
	n.KeepScratch(obs)
}

// pingSuspect sends a suspect its suspicion, once: a datagram it
// acknowledges, whose answer (any datagram from it) ends this node's
// suspicion, and which tells it that it is suspected (local health).
func (n *Node) pingSuspect(a detector.Action) {
	_, m, ok := n.current(a)
	if !ok {
		n.Detector.Clear(a.Target)
		return
	}
	out, buf := n.Open()
	w, err := message.NewUpdateWriter(buf[:n.Cfg.MaxMessageSize], 0, false)
	if !n.Commit(out, 0, err, message.TypeUpdate) {
		return
	}
	w.Add(message.Record{Kind: message.RecordSuspect, ID: m.ID, Inc: a.Inc, From: n.Self.ID})
	n.Out.Commit(out, w.Finish(), message.TypeUpdate)
	n.To(out, m.Addr, m.ID, 1)
	n.Out.Close(out)
	LogID(n.Logger.Trace(), "member", m.ID).Msg("ping suspect")
}

// Vouch tells the other holders of a suspicion that this node heard from
// the suspect, which ends theirs too (see applyAlive): every holder's
// pings are then a path by which the suspect can clear itself with all of
// them, so under heavy loss a verdict needs every ping of every holder
// lost. The accuser, which may not be an observer, is told as well.
func (n *Node) Vouch(target uint64, inc uint32, accuser uint64) {
	i, ok := n.Members.Index(target)
	if !ok {
		return
	}
	m := n.Members.At(i)
	r := message.Record{Kind: message.RecordAlive, ID: m.ID, Inc: max(inc, m.Inc), Addr: m.Addr, Meta: m.Meta}
	n.tellObservers(i, r)
	if a, ok := n.Members.Get(accuser); ok && accuser != n.Self.ID {
		n.tell(a.Addr, r)
	}
	n.Stats.Vouches++
	LogID(n.Logger.Trace(), "member", target).Msg("heard from a suspect")
}

// confirmSuspicion adds this node's word to a suspicion its own first ping
// did not clear: it brings the other observers' timeouts down
// (Lifeguard's independent confirmations).
func (n *Node) confirmSuspicion(a detector.Action) {
	i, m, ok := n.current(a)
	if !ok {
		return
	}
	if n.Detector.Suspect(m.ID, m.Addr, a.Inc, n.Self.ID, n.Members.Len()+1, n.Now) {
		n.Detector.Confirmed()
		n.tellObservers(i, message.Record{Kind: message.RecordSuspect, ID: m.ID, Inc: a.Inc, From: n.Self.ID})
	}
}

// declare removes a member whose suspicion ran out, and spreads the
// verdict: by rumor to the cluster, and to the member's address, so that
// a member that was only cut off refutes it when it hears.
func (n *Node) declare(a detector.Action) {
	_, m, ok := n.current(a)
	if !ok {
		return
	}
	if !n.RemoveMember(m.ID, MemberFailed, a.Inc, n.Self.ID) {
		return
	}
	r := message.Record{Kind: message.RecordFailed, ID: m.ID, Inc: a.Inc, From: n.Self.ID}
	n.QueueRumor(r, 0)
	n.tell(m.Addr, r)
	LogMember(n.Logger.Info(), m.ID, m.Addr).Msg("member declared failed")
}

// ProbeResult tells requester whether target answered the probe made for
// its ProbeRequest with requestSeq.
func (n *Node) ProbeResult(requester netip.AddrPort, requestSeq uint32, target uint64, reached bool) {
	out, buf := n.Open()
	pr := message.ProbeResult{RequestSeq: requestSeq, Target: target, Reached: reached}
	size, err := pr.Encode(buf, 0)
	if n.Commit(out, size, err, message.TypeProbeResult) {
		n.To(out, requester, n.IDAt(requester), 1)
		n.Out.Close(out)
	}
}

// Relay probes target for requester, whose ProbeRequest had requestSeq.
func (n *Node) Relay(target members.Member, requester netip.AddrPort, requestSeq uint32) {
	seq := n.emptyList(target)
	if seq == 0 || !n.Detector.Relay(target.ID, target.Addr, seq, requester, requestSeq, n.Now) {
		return
	}
}

// nextDeadline is the detector's earliest deadline, for Tick's wait.
func (n *Node) nextDeadline() (time.Time, bool) { return n.Detector.Next() }
