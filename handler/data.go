package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
)

// Data acknowledges the datagram and, the first time (origin, originSeq)
// is seen, logs it for anti-entropy, passes it on once with the Rumor
// spread (never back to the sender or to the origin), and hands the
// payload to the receiver. Data of this node's own that comes back, and
// anything already seen (a duplicate, a retry, a replay), is counted and
// otherwise ignored; so is a seq further ahead than the origin's window
// that nothing confirms (see source).
func Data(n *node.Node, in envelope.In, h message.Header, body []byte) node.Outcome {
	var d message.Data
	var err error
	if h.Type == message.TypeCopy {
		err = d.DecodeCopy(body)
	} else {
		err = d.Decode(body)
	}
	if err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	// A Copy is a rumor's redundant copy, sent once and never
	// acknowledged: the Data it duplicates is.
	if h.Type == message.TypeData {
		n.Ack(in.From, h.Seq)
	}
	if d.Origin == n.Self.ID {
		n.Stats.DataDuplicates++
		return node.NoChange
	}
	from, origin := n.MemberIndex(in.From), n.IDIndex(d.Origin)
	// Where it came from matters only for a seq further ahead than the
	// window: the origin's own address (or a sealed cluster) is believed
	// at once, anyone else must be confirmed by a second source.
	src := version.Source{From: in.From, Direct: n.Cfg.Authenticated || from >= 0 && from == origin}
	switch n.Versions.ObserveFrom(d.Origin, d.OriginSeq, n.Now, src) {
	case version.Accepted:
	case version.TooFar: // counted by the vector; acknowledged, not news
		return node.NoChange
	default:
		n.Stats.DataDuplicates++
		return node.NoChange
	}
	// The data of an origin this node does not know is logged only in the
	// room its members' data leaves: forged origins must not push the
	// genuine entries out of the log (docs/protocol.md, "The data log
	// keeps members' data first").
	if h.Type == message.TypeCopy {
		// Logged, and so resent by anti-entropy, as the Data it carries.
		// Nothing reads the datagram's header after its handler.
		message.PutType(in.Bytes, message.TypeData)
	}
	if origin >= 0 {
		n.Log.Append(d.Origin, d.OriginSeq, in.Bytes)
	} else {
		n.Log.AppendStranger(d.Origin, d.OriginSeq, in.Bytes)
	}
	forward(n, in, from, origin)
	n.Stats.DataDelivered++
	if n.OnData != nil {
		n.OnData(d.Origin, d.OriginSeq, d.Payload)
	}
	return node.NoChange
}

// forward passes the datagram on unchanged but for the seq each recipient
// gets, never to the members at the table indices from (the sender) and
// origin (-1: not a member). It runs before the receiver sees the
// payload, so nothing the receiver does to the slice can change what is
// forwarded.
func forward(n *node.Node, in envelope.In, from, origin int) {
	ex := [2]int{from, origin}
	idx := n.Rumor(n.Scratch(), ex[:])
	if len(idx) > 0 {
		out, buf := n.Open()
		size := copy(buf, in.Bytes)
		message.PutType(buf, message.TypeData) // it may have come as a Copy
		n.Out.Commit(out, size, message.TypeData)
		n.ToRumor(out, idx, true)
		n.Out.Close(out)
		n.Stats.DataForwarded++
	}
	n.KeepScratch(idx)
}
