package handler

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// Data acknowledges the datagram and, the first time (origin, originSeq)
// is seen, logs it for anti-entropy, passes it on once with the Rumor
// spread (never back to the sender or to the origin), and hands the
// payload to the receiver. Data of this node's own that comes back, and
// anything already seen (a duplicate, a retry, a replay), is counted and
// otherwise ignored.
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
	if d.Origin == n.Self.ID || !n.Versions.Observe(d.Origin, d.OriginSeq, n.Now) {
		n.Stats.DataDuplicates++
		return node.NoChange
	}
	n.Log.Append(d.Origin, d.OriginSeq, in.Bytes)
	if h.Type == message.TypeCopy {
		// Logged, and so resent by anti-entropy, as the Data it carries.
		if last := n.Log.Len() - 1; last >= 0 {
			if e, b := n.Log.At(last); e.Origin == d.Origin && e.Seq == d.OriginSeq {
				message.PutType(b, message.TypeData)
			}
		}
	}
	forward(n, in, d.Origin)
	n.Stats.DataDelivered++
	if n.OnData != nil {
		n.OnData(d.Origin, d.OriginSeq, d.Payload)
	}
	return node.NoChange
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
		message.PutType(buf, message.TypeData) // it may have come as a Copy
		n.Out.Commit(out, size, message.TypeData)
		n.ToRumor(out, idx, true)
		n.Out.Close(out)
		n.Stats.DataForwarded++
	}
	n.KeepScratch(idx)
}
