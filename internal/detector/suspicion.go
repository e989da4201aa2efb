package detector

import (
	"net/netip"
	"time"
)

// Suspect records that from suspects target (at addr) at incarnation
// inc, in a cluster of members nodes (this one included), and reports
// whether that is news worth passing on: a new suspicion, one at a higher
// incarnation, or a new independent confirmation. The first node to
// suspect starts the timer; each other node that confirms shortens it
// (see Config.SuspicionTimeout). A suspicion at a lower incarnation than
// the one held is stale.
func (d *Detector) Suspect(target uint64, addr netip.AddrPort, inc uint32, from uint64, members int, now time.Time) bool {
	s, ok := d.suspects[target]
	if ok && inc < s.inc {
		return false
	}
	if !ok || inc > s.inc {
		if !ok {
			s = &suspicion{}
			d.suspects[target] = s
		}
		*s = suspicion{inc: inc, addr: addr, start: now, members: members,
			nextPing: now, confirmAt: now.Add(d.ProbeTimeout())}
		s.confirmers[0] = from
		s.deadline = now.Add(d.scale(d.cfg.SuspicionTimeout(members, 0)))
		return true
	}
	for _, c := range s.confirmers[:min(s.n+1, maxConfirmers)] {
		if c == from {
			return false
		}
	}
	if s.n >= d.cfg.Confirmations {
		return false // the timer is at its floor already: nothing new to tell
	}
	s.n++
	if s.n < maxConfirmers {
		s.confirmers[s.n] = from
	}
	s.deadline = notBefore(s.start.Add(d.scale(d.cfg.SuspicionTimeout(s.members, s.n))), now)
	return true
}

// SuspectVerdict records a verdict heard outside a rumor (a table slice,
// an answer, a digest repair) about a member this node still holds: a
// suspicion that starts at its floor, since the verdict means others
// confirmed it already. The member refutes it or answers this node's pings
// if it is alive (two sides of a healed partition hold verdicts about each
// other); otherwise this node declares it failed when the floor ends.
func (d *Detector) SuspectVerdict(target uint64, addr netip.AddrPort, inc uint32, from uint64, members int, now time.Time) {
	if s, ok := d.suspects[target]; ok && s.inc >= inc {
		s.n = max(s.n, d.cfg.Confirmations)
		s.deadline = minTime(s.deadline, notBefore(s.start.Add(d.scale(d.cfg.SuspicionTimeout(s.members, s.n))), now))
		return
	}
	d.Suspect(target, addr, inc, from, members, now)
	s := d.suspects[target]
	s.n = d.cfg.Confirmations
	s.deadline = now.Add(d.scale(d.cfg.SuspicionTimeout(members, s.n)))
}

// notBefore returns t, or now if t is earlier: a timeout shortened below
// the suspicion's age ran out already, and is due now. A deadline left in
// the past would read as a stall of the caller's loop (see Step).
func notBefore(t, now time.Time) time.Time {
	if t.Before(now) {
		return now
	}
	return t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Suspected returns the incarnation at which target is suspected.
func (d *Detector) Suspected(target uint64) (uint32, bool) {
	s, ok := d.suspects[target]
	if !ok {
		return 0, false
	}
	return s.inc, true
}

// Suspicions returns how many members are suspected.
func (d *Detector) Suspicions() int { return len(d.suspects) }

// HeardFrom ends the suspicion of the member at addr, if any: a datagram
// came from it, so it is alive as far as this node can tell. It returns
// the member, the suspicion's incarnation and the node that raised it
// when a suspicion ended. The
// check costs nothing while nobody is suspected.
func (d *Detector) HeardFrom(addr netip.AddrPort) (target uint64, inc uint32, accuser uint64, ok bool) {
	if len(d.suspects) == 0 {
		return 0, 0, 0, false
	}
	for id, s := range d.suspects {
		if s.addr == addr {
			delete(d.suspects, id)
			d.stats.Answered++
			return id, s.inc, s.confirmers[0], true
		}
	}
	return 0, 0, 0, false
}

// Clear ends the suspicion of target, if any: it refuted it, left, or
// was removed.
func (d *Detector) Clear(target uint64) {
	if _, ok := d.suspects[target]; ok {
		delete(d.suspects, target)
		d.stats.Cleared++
	}
}

// Raised counts a suspicion this node raised itself.
func (d *Detector) Raised() { d.stats.Suspected++ }

// Confirmed counts a suspicion this node confirmed.
func (d *Detector) Confirmed() { d.stats.Confirmed++ }
