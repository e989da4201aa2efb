package detector

import "time"

// Step returns the next action due at now, if any. Call it until it
// reports false, at every Tick. A probe or suspicion is handed out once:
// an ActIndirect leaves its probe in its indirect phase, every other
// action ends what it came from.
//
// Step also watches the caller's loop: Tick's wait includes the
// detector's next deadline, so a Step that comes more than half a
// ProbeTimeout after it means the process was paused or starved. Then
// nothing is decided in this Step: every deadline moves back by the stall
// and half a ProbeTimeout more, so that the answers waiting in the socket
// are read (Receive comes after Tick) before anything times out, and
// local health worsens, since a node that stalls once may stall again.
func (d *Detector) Step(now time.Time) (Action, bool) {
	if d.noticeStall(now) {
		return Action{}, false
	}
	for i := range d.probes {
		p := &d.probes[i]
		if p.kind == Direct && !p.retried && !now.Before(p.retryAt) && now.Before(p.deadline) {
			p.retried = true
			return Action{Kind: ActRetry, Target: p.target, Addr: p.addr, Inc: p.inc}, true
		}
		if now.Before(p.deadline) {
			continue
		}
		switch {
		case p.kind == Direct && !p.indirect:
			p.indirect = true
			p.retried = true // ActIndirect carries the direct retry
			p.deadline = now.Add(d.ProbeTimeout())
			d.stats.ProbeTimeouts++
			return Action{Kind: ActIndirect, Target: p.target, Addr: p.addr, Inc: p.inc}, true
		case p.kind == Direct:
			// Answers lost on their way back point at this node's own
			// links: each relay that did not answer at all counts. When
			// every relay answered (it could not reach the target either),
			// the target is the one at fault and health is not touched;
			// with no relay to ask, the failed probe itself counts.
			missed := 0
			for j := range p.nreq {
				if p.requests[j] != 0 {
					missed++
				}
			}
			if p.nreq == 0 {
				missed = 1
			}
			d.adjustHealth(missed)
			a := Action{Kind: ActSuspect, Target: p.target, Addr: p.addr, Inc: p.inc}
			d.remove(i)
			return a, true
		default: // Relay
			a := Action{Kind: ActNack, Target: p.target, Addr: p.addr, Requester: p.requester, RequestSeq: p.requestSeq}
			d.remove(i)
			return a, true
		}
	}
	// The suspicion with the earliest due event first, ties by id: map
	// order is random, and a run must be the same run for the same inputs.
	var due *suspicion
	var dueID uint64
	var dueAt time.Time
	for id, s := range d.suspects {
		at := s.next()
		if now.Before(at) {
			continue
		}
		if due == nil || at.Before(dueAt) || (at.Equal(dueAt) && id < dueID) {
			due, dueID, dueAt = s, id, at
		}
	}
	if due == nil {
		return Action{}, false
	}
	a := Action{Target: dueID, Addr: due.addr, Inc: due.inc}
	switch {
	case !now.Before(due.deadline):
		delete(d.suspects, dueID)
		d.stats.Declared++
		a.Kind = ActDeclare
	case !due.confirmed && !now.Before(due.confirmAt):
		due.confirmed = true
		a.Kind = ActConfirm
	default:
		// Not stretched by local health, unlike the timeout: a slow node
		// waits longer, and so pings more times, before it declares.
		due.nextPing = now.Add(d.cfg.ProbeTimeout / pingsPerTimeout)
		a.Kind = ActPing
	}
	return a, true
}

// noticeStall moves every deadline back by a stall of the caller's loop,
// and reports whether there was one.
func (d *Detector) noticeStall(now time.Time) bool {
	due, ok := d.Next()
	slack := d.cfg.ProbeTimeout / 2
	if !ok || now.Sub(due) <= slack {
		return false
	}
	shift := now.Sub(due) + slack
	d.stats.Stalls++
	d.adjustHealth(1)
	for i := range d.probes {
		d.probes[i].deadline = d.probes[i].deadline.Add(shift)
		d.probes[i].retryAt = d.probes[i].retryAt.Add(shift)
	}
	for _, s := range d.suspects {
		s.deadline = s.deadline.Add(shift)
		s.start = s.start.Add(shift)
		s.nextPing = s.nextPing.Add(shift)
		s.confirmAt = s.confirmAt.Add(shift)
	}
	return true
}

// Next returns the earliest deadline of a probe or suspicion, and false
// when there is none.
func (d *Detector) Next() (time.Time, bool) {
	var t time.Time
	found := false
	for i := range d.probes {
		p := &d.probes[i]
		at := p.deadline
		if p.kind == Direct && !p.retried && p.retryAt.Before(at) {
			at = p.retryAt
		}
		if !found || at.Before(t) {
			t, found = at, true
		}
	}
	for _, s := range d.suspects {
		if at := s.next(); !found || at.Before(t) {
			t, found = at, true
		}
	}
	return t, found
}

// next returns when the suspicion's next event is due: a ping, this
// node's confirmation, or the verdict.
func (s *suspicion) next() time.Time {
	t := s.deadline
	if s.nextPing.Before(t) {
		t = s.nextPing
	}
	if !s.confirmed && s.confirmAt.Before(t) {
		t = s.confirmAt
	}
	return t
}
