package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
)

// Status is anti-entropy. Each record (origin, seq) says the sender has
// seen every Data of that origin up to seq. A round's Status (the one a
// node sends each TickInterval) starts with the sender's own record; an
// answer does not, and lists only origins where its sender is behind
// this node (see readsAsRound for how a Status of another implementation
// is read). This node acknowledges, then repairs both sides:
//
//   - it resends from its data log, oldest first, the Data of the listed
//     origins above the sender's seq, at most RepairBudget datagrams per
//     Status (the next round continues). A round's Status with room to
//     spare for another record holds the sender's whole vector (long
//     vectors come in full rotating slices), so then an origin it does not
//     list is one it has never heard from, and that origin's logged Data
//     is resent too. A full Status, or an answer, says nothing about
//     origins it does not list.
//   - for a round's Status only: for the listed origins where the sender is
//     ahead, it answers with a Status of just those origins, at its own
//     seq, so the sender resends what this node lacks. An answer is never
//     answered, so an exchange ends after one reply.
//
// Inferring from silence assumes the cluster shares one MaxMessageSize; a
// sender with smaller datagrams may get Data it already has, which it
// drops as a duplicate.
func Status(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var s message.Status
	if err := s.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	n.Ack(in.From, h.Seq)
	n.Stats.StatusReceived++
	senderID := uint64(0)
	if i := n.MemberIndex(in.From); i >= 0 {
		senderID = n.Members.At(i).ID
	}
	round := readsAsRound(n, &s)
	repair(n, in, &s, senderID, round)
	if round {
		pull(n, in, &s, senderID)
	}
	return node.NoChange
}

// readsAsRound reports whether s is to be read as its sender's whole
// version vector, or a window of it, rather than as an answer to a
// round's Status of this node's (docs/protocol.md, "Status from any
// conforming client"). An answer of this implementation starts with a
// record for the node it answers (see pull) and then lists only origins
// where its sender is behind that node (it answers a round's Status that
// listed them further on, and this node's points only move forward), so
// a Status is an answer only if its first record names this node and
// each of its other records is strictly behind this node's contiguous
// point. Anything else is a vector: a round's Status of this
// implementation (its sender's own record first), or another
// implementation's in whatever order. An empty Status is a vector too:
// its sender has seen no data at all (a client that just joined) and
// lacks the whole log; no node of this implementation sends one.
//
// A client of another implementation that lists this node's id first and
// is behind this node on every other origin it lists is read as
// answering: it gets what it lacks of the origins it lists, and the rest
// once it has caught up on one of them.
func readsAsRound(n *node.Node, s *message.Status) bool {
	if s.Count() == 0 {
		return true
	}
	if first, _ := s.Record(0); first != n.Self.ID {
		return true
	}
	for i := 1; i < s.Count(); i++ {
		if id, seq := s.Record(i); !version.After(n.Versions.Contiguous(id), seq) {
			return true
		}
	}
	return false
}

func repair(n *node.Node, in envelope.In, s *message.Status, to uint64, round bool) {
	budget := n.Cfg.RepairBudget
	var cov coverage
	if round {
		cov = coverageOf(s, n.Cfg.MaxMessageSize)
	}
	// With a Backlog, a member gets only what was logged since this node
	// first heard its Status, not the history it joined after; a sender
	// not known yet gets nothing until it is.
	var since uint64
	if n.Backlog != nil {
		if to == 0 {
			return
		}
		since = n.Backlog.Since(to, n.Log.Appended())
	}
	for i := 0; i < n.Log.Len() && budget > 0; i++ {
		e, datagram := n.Log.At(i)
		seq, listed := record(s, e.Origin)
		if (!listed && !cov.has(e.Origin)) || !version.After(e.Seq, seq) || e.Origin == to || e.Pos <= since {
			continue
		}
		out, buf := n.Open()
		size := copy(buf, datagram)
		n.Out.Commit(out, size, message.TypeData)
		n.To(out, in.From, to, n.Cfg.RetryAttempts)
		n.Out.Close(out)
		n.Stats.DataRepaired++
		budget--
	}
}

// pull answers a round's Status with the records of the listed origins
// where the sender is ahead of this node, at this node's seq, so that the
// sender resends what this node lacks. The answer starts with a record
// for the node it answers (this node's seq for that origin), which marks
// it as an answer (see readsAsRound) while an older node of this
// implementation, which reads any Status not led by its sender's own
// record as an answer, reads it the same way. The answered node is the
// member senderID or, for a sender not yet known, the id its Status leads
// with (its own, if it is this implementation's round Status).
func pull(n *node.Node, in envelope.In, s *message.Status, to uint64) {
	answered := to
	if answered == 0 && s.Count() > 0 {
		answered, _ = s.Record(0)
	}
	behind := false
	for i := range s.Count() {
		if id, seq := s.Record(i); id != n.Self.ID && version.After(seq, n.Versions.Contiguous(id)) {
			behind = true
			break
		}
	}
	if !behind {
		return
	}
	out, buf := n.Open()
	w, err := message.NewStatusWriter(buf[:n.Cfg.MaxMessageSize], 0)
	if !n.Commit(out, 0, err, message.TypeStatus) {
		return
	}
	w.Add(answered, n.Versions.Contiguous(answered))
	for i := range s.Count() {
		id, seq := s.Record(i)
		mine := n.Versions.Contiguous(id)
		if id == n.Self.ID || id == answered || !version.After(seq, mine) {
			continue
		}
		if !w.Add(id, mine) {
			break
		}
	}
	n.Out.Commit(out, w.Finish(), message.TypeStatus)
	n.To(out, in.From, to, n.Cfg.RetryAttempts)
	n.Out.Close(out)
	n.Stats.StatusSent++
}

// coverage is the range of origin ids a round's Status speaks for: its
// records after the first (the sender's own) are a window of consecutive
// origins of the sender's vector in ascending id order, possibly wrapping
// once to the smallest ids, so an origin inside the window's range that
// it does not list is one the sender has never heard from. A Status with
// room to spare is the whole vector and covers every id.
type coverage struct {
	all, wrapped, any bool
	lo, hi            uint64
}

func coverageOf(s *message.Status, maxMessageSize int) coverage {
	if s.Count() < message.MaxStatusRecords(maxMessageSize) {
		return coverage{all: true}
	}
	var c coverage
	prev := uint64(0)
	for i := 1; i < s.Count(); i++ {
		id, _ := s.Record(i)
		if !c.any {
			c.lo, c.any = id, true
		} else if id < prev {
			if c.wrapped {
				return coverage{} // not a window: trust only what is listed
			}
			c.wrapped = true
		}
		prev = id
	}
	c.hi = prev
	return c
}

func (c coverage) has(id uint64) bool {
	switch {
	case c.all:
		return true
	case !c.any:
		return false
	case c.wrapped:
		return id >= c.lo || id <= c.hi
	}
	return id >= c.lo && id <= c.hi
}

// record finds origin's record in s. Our own Status lists records in
// ascending id order, but another implementation need not, so this is a
// linear scan: a Status holds at most a few dozen records.
func record(s *message.Status, origin uint64) (uint32, bool) {
	for i := range s.Count() {
		if id, seq := s.Record(i); id == origin {
			return seq, true
		}
	}
	return 0, false
}
