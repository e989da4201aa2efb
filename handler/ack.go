package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Ack drops the envelope it names, but only when it comes from that
// envelope's recipient and is not a Hello; anything else (late, repeated
// or forged) is counted as stale and changes nothing.
func Ack(n *node.Node, in envelope.In, _ message.Header, body []byte) node.Outcome {
	var m message.Ack
	if err := m.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	// Only a Welcome answers a Hello: a Hello cancelled by an Ack would
	// never expire, leaving a joiner JOINING for good.
	queued := false
	if e, ok := n.Out.Lookup(m.AckedSeq, in.From); ok && e.Type != message.TypeHello && e.Type != message.TypeJoin {
		n.Out.Ack(m.AckedSeq, in.From)
		queued = true
	}
	// A probe's answer: the detector matches it whether or not the queue
	// still holds the envelope (probes are sent once).
	kind, requester, requestSeq, target, probed := n.Detector.Acked(m.AckedSeq, in.From)
	if probed && kind == detector.Relay {
		n.ProbeResult(requester, requestSeq, target, true)
	}
	if queued || probed {
		n.Stats.AcksReceived++
	} else {
		n.Stats.StaleAcks++
	}
	return node.NoChange
}
