package sim

import (
	"slices"
	"time"
)

// lossTable holds the losses beyond the global one: per node and
// direction, and per one-way link, where a link either drops a fraction
// of its datagrams or fails periodically (flaps).
type lossTable struct {
	in, out []float64 // by node index; nil until one is set
	links   map[linkKey]link
}

type linkKey struct{ from, to int }

type link struct {
	drop float64
	// A flapping link is down for down ns out of every period, the first
	// time from start.
	start, down, period int64
}

// failing reports whether a flapping link is down at now.
func (l link) failing(now int64) bool {
	return l.period > 0 && (now-l.start)%l.period < l.down
}

// lossOf returns the probability that a datagram from node from to node
// to is lost: the global loss, from's outbound loss, to's inbound loss
// and the link's, each on its own (1 while the link flaps down). With
// none but the global one set it is the global one exactly, so adding
// these settings changed no earlier run's random draws.
func (s *Sim) lossOf(from, to int) float64 {
	t := &s.loss
	p := s.opt.Loss
	if t.in == nil && t.links == nil {
		return p
	}
	keep, extra := 1-p, false
	if from < len(t.out) && t.out[from] > 0 {
		keep *= 1 - t.out[from]
		extra = true
	}
	if to < len(t.in) && t.in[to] > 0 {
		keep *= 1 - t.in[to]
		extra = true
	}
	if l, ok := t.links[linkKey{from, to}]; ok {
		if l.failing(s.now) {
			return 1
		}
		if l.drop > 0 {
			keep *= 1 - l.drop
			extra = true
		}
	}
	if !extra {
		return p
	}
	return 1 - keep
}

// SetNodeLoss sets the probability that a datagram node i receives (in)
// or sends (out) is lost, on top of the global loss (SetLoss): 0.8 in
// makes a node that hears a fifth of what is sent to it, while what it
// sends gets through. Zero both to restore it.
func (s *Sim) SetNodeLoss(i int, in, out float64) {
	t := &s.loss
	for len(t.in) <= i {
		t.in, t.out = append(t.in, 0), append(t.out, 0)
	}
	t.in[i], t.out[i] = in, out
}

// NodeLoss returns node i's losses set with SetNodeLoss.
func (s *Sim) NodeLoss(i int) (in, out float64) {
	if i < len(s.loss.in) {
		return s.loss.in[i], s.loss.out[i]
	}
	return 0, 0
}

// SetLinkLoss sets the probability that a datagram from node from to
// node to is lost, in that direction only: 1 fails the link one way, 0
// restores it (a flap set with FlapLink goes on).
func (s *Sim) SetLinkLoss(from, to int, p float64) {
	s.setLink(from, to, func(l *link) { l.drop = p })
}

// FlapLink makes the link from node from to node to (that direction
// only) fail for down, then work for up, and so on, starting now with a
// failure. Zero down stops it.
func (s *Sim) FlapLink(from, to int, down, up time.Duration) {
	s.setLink(from, to, func(l *link) {
		l.start, l.down, l.period = s.now, int64(down), int64(down+up)
		if down <= 0 {
			l.down, l.period = 0, 0
		}
	})
}

func (s *Sim) setLink(from, to int, f func(*link)) {
	if s.loss.links == nil {
		s.loss.links = make(map[linkKey]link)
	}
	k := linkKey{from, to}
	l := s.loss.links[k]
	f(&l)
	if l == (link{}) || (l.drop == 0 && l.period == 0) {
		delete(s.loss.links, k)
		return
	}
	s.loss.links[k] = l
}

// StopFlaps stops every flapping link (their SetLinkLoss drops stay).
func (s *Sim) StopFlaps() {
	for k, l := range s.loss.links {
		l.start, l.down, l.period = 0, 0, 0
		if l.drop == 0 {
			delete(s.loss.links, k)
		} else {
			s.loss.links[k] = l
		}
	}
}

// ResetLoss removes every per-node and per-link loss and every flapping
// link. The global loss stays (SetLoss).
func (s *Sim) ResetLoss() { s.loss = lossTable{} }

// Link is one one-way link with a loss of its own (see SetLinkLoss and
// FlapLink).
type Link struct {
	From, To int
	// Drop is the loss set with SetLinkLoss.
	Drop float64
	// Down and Up describe a flapping link (both zero: it does not flap).
	Down, Up time.Duration
}

// Links returns the links with a loss of their own, ordered by From, To.
func (s *Sim) Links() []Link {
	var out []Link
	for k, l := range s.loss.links {
		out = append(out, Link{From: k.from, To: k.to, Drop: l.drop, Down: time.Duration(l.down), Up: time.Duration(l.period - l.down)})
	}
	slices.SortFunc(out, func(a, b Link) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.To - b.To
	})
	return out
}
