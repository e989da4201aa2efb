package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Status is anti-entropy. Each record (origin, seq) says the sender has
// seen every Data of that origin up to seq. This node acknowledges, then
// repairs both sides:
//
//   - it resends from its data log, oldest first, the Data of the listed
//     origins above the sender's seq, at most RepairBudget datagrams per
//     Status (the next round continues);
//   - for the listed origins where the sender is ahead, it answers with a
//     Status of its own holding just those origins and its own seq for
//     each, so the sender resends what this node lacks.
//
// Origins the Status does not list are left alone: a long vector comes in
// rotating slices, and silence about an origin says nothing. The answer
// names only origins where this node is behind, so the sender never
// answers it in turn: an exchange ends after at most one reply.
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
	repair(n, in, &s, senderID)
	pull(n, in, &s, senderID)
	return node.NoChange
}

func repair(n *node.Node, in envelope.In, s *message.Status, to uint64) {
	budget := n.Cfg.RepairBudget
	for i := 0; i < n.Log.Len() && budget > 0; i++ {
		e, datagram := n.Log.At(i)
		seq, listed := record(s, e.Origin)
		if !listed || e.Seq <= seq {
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

func pull(n *node.Node, in envelope.In, s *message.Status, to uint64) {
	var (
		out envelope.Msg
		w   message.StatusWriter
		err error
	)
	open := false
	for i := range s.Count() {
		id, seq := s.Record(i)
		mine := n.Versions.Contiguous(id)
		if id == n.Self.ID || seq <= mine {
			continue
		}
		if !open {
			var buf []byte
			out, buf = n.Open()
			if w, err = message.NewStatusWriter(buf[:n.Cfg.MaxMessageSize], 0); !n.Commit(out, 0, err, message.TypeStatus) {
				return
			}
			open = true
		}
		if !w.Add(id, mine) {
			break
		}
	}
	if !open {
		return
	}
	n.Out.Commit(out, w.Finish(), message.TypeStatus)
	n.To(out, in.From, to, n.Cfg.RetryAttempts)
	n.Out.Close(out)
	n.Stats.StatusSent++
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
