package node

import (
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
)

// Originate spreads a payload of this node's own as the next Data of its
// sequence: logged for anti-entropy, then sent with the Rumor spread.
// The caller has checked the payload's size and the node's state.
func (n *Node) Originate(payload []byte) error {
	prev := n.OwnSeq
	n.OwnSeq = version.Next(n.OwnSeq) // after 2^32-1 comes 1: receivers compare serially
	d := message.Data{Origin: n.Self.ID, OriginSeq: n.OwnSeq, Payload: payload}
	m, buf := n.Open()
	size, err := d.Encode(buf, 0)
	if !n.Commit(m, size, err, message.TypeData) {
		n.OwnSeq = prev
		return err
	}
	n.Versions.Observe(n.Self.ID, n.OwnSeq, n.Now)
	n.Log.Append(n.Self.ID, n.OwnSeq, buf[:size])
	idx := n.Rumor(n.Scratch(), nil)
	n.ToRumor(m, idx, false)
	n.KeepScratch(idx)
	n.Out.Close(m)
	return nil
}
