package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// ProbeRequest probes a member for another whose own probe went
// unanswered, and answers with a ProbeResult either way (the detector
// sends it when the probe's Ack comes, or a negative one when its
// timeout ends). Only a member may ask, and only about a member this node
// knows at that address: a stranger cannot make this node send anything.
// A request about this node itself is answered at once: it is alive.
func ProbeRequest(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var m message.ProbeRequest
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	if n.MemberIndex(in.From) < 0 {
		n.Drop(node.DropUnsolicited)
		return node.NoChange
	}
	t := m.Target
	if t.ID == n.Self.ID {
		n.ProbeResult(in.From, h.Seq, t.ID, true)
		return node.NoChange
	}
	target, ok := n.Members.Get(t.ID)
	if !ok || target.Addr != t.Addr {
		n.ProbeResult(in.From, h.Seq, t.ID, false)
		return node.NoChange
	}
	n.Relay(members.Member{ID: target.ID, Addr: target.Addr, Inc: target.Inc}, in.From, h.Seq)
	return node.NoChange
}

// ProbeResult hands a relay's answer to the failure detector: a positive
// one ends this node's probe of the target as answered; a negative one
// shows that this node and the relay can talk, which tells the
// detector's local health that the silence is the target's.
func ProbeResult(n *node.Node, in envelope.In, _ message.Header, body []byte) node.Outcome {
	var m message.ProbeResult
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	if !n.Detector.Result(in.From, m.RequestSeq, m.Target, m.Reached) {
		n.Drop(node.DropUnsolicited)
	}
	return node.NoChange
}
