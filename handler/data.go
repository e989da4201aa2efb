package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/amplify"
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
	if err := d.Decode(body); err != nil {
		drop(n, in, err)
		return node.NoChange
	}
	n.Ack(in.From, h.Seq)
	if d.Origin == n.Self.ID {
		n.Stats.DataDuplicates++
		return node.NoChange
	}
	switch n.Versions.ObserveFrom(d.Origin, d.OriginSeq, n.Now, source(n, in, d.Origin)) {
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
	if n.IDIndex(d.Origin) >= 0 {
		n.Log.Append(d.Origin, d.OriginSeq, in.Bytes)
	} else {
		n.Log.AppendStranger(d.Origin, d.OriginSeq, in.Bytes)
	}
	forward(n, in, d.Origin)
	n.Stats.DataDelivered++
	if n.OnData != nil {
		n.OnData(d.Origin, d.OriginSeq, d.Payload)
	}
	return node.NoChange
}

// source describes where a Data of origin came from, for the version
// vector's rule on seqs further ahead than the window: a datagram the
// origin sent itself (from its member address), or any datagram when
// every datagram is authenticated, is believed at once; any other must be
// confirmed by a second source before it may move the window.
func source(n *node.Node, in envelope.In, origin uint64) version.Source {
	src := version.Source{Key: amplify.Key(in.From), Direct: n.Cfg.Authenticated}
	if !src.Direct {
		if i := n.IDIndex(origin); i >= 0 && n.Members.At(i).Addr == in.From {
			src.Direct = true
		}
	}
	return src
}

// forward passes the datagram on unchanged but for the seq each recipient
// gets. It runs before the receiver sees the payload, so nothing the
// receiver does to the slice can change what is forwarded.
func forward(n *node.Node, in envelope.In, origin uint64) {
	ex := [2]int{n.MemberIndex(in.From), n.IDIndex(origin)}
	idx := n.Rumor(n.Scratch(), ex[:])
	if len(idx) > 0 {
		out, buf := n.Open()
		size := copy(buf, in.Bytes)
		n.Out.Commit(out, size, message.TypeData)
		n.ToMembers(out, idx, n.Cfg.RetryAttempts)
		n.Out.Close(out)
		n.Stats.DataForwarded++
	}
	n.KeepScratch(idx)
}
