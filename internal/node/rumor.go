package node

import (
	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/spread"
)

// Rumor appends the recipients of a rumor: this node's ring successor and
// RumorFactor-1 random members, none of them excluded. Excluded indices of
// -1 (not a member) are ignored.
func (n *Node) Rumor(dst []int, exclude []int) []int {
	return spread.Rumor(dst, n.Rand, n.Members.Len(), n.Cfg.RumorFactor, n.Members.Successor(), exclude)
}

// ToRumor sends the open message m, a committed Data, to the members at
// idx, in Rumor's order, the ring successor (or its stand-in) first.
//
// The successor's copy is the one the chain around the ring needs: it
// goes as a Data, acknowledged, and to a member that speaks the
// extensions it is retried every ProbeTimeout rather than every
// RetryInterval, so that a lost link of the chain is mended within the
// round instead of ten rounds later. When the successor was excluded (it
// sent this node the payload, or is its origin), it has the payload and,
// with agreeing member tables, has sent it to its own successor, the
// stand-in Rumor put first: the chain needs nothing of this node, and a
// stand-in that speaks the extensions is skipped.
//
// The other copies are there for speed: a member that speaks the
// extensions gets them as a Copy, sent once and not acknowledged (what
// such a copy misses, the chain and the anti-entropy round bring). A
// member that knows only the base format gets a Data wherever it stands,
// stand-in included, acknowledged and retried as the base rules say, so
// that its Acks, and their absence, mean what they always have to the
// failure detector of the base rules.
//
// The origin sends no Copies (copies false): all its recipients get a
// Data, so that its message stays queued until its first three holders
// have the payload. That costs two Acks per broadcast for the whole
// cluster, and it is what paces an origin that publishes as fast as its
// queue lets it (the runner): a queue emptied by its successor's Ack
// alone would let it publish faster than the others can pass on.
func (n *Node) ToRumor(m envelope.Msg, idx []int, copies bool) {
	succ := n.Members.Successor()
	for j, i := range idx {
		mb := n.Members.At(i)
		switch {
		case j == 0 && copies && i != succ && mb.Ext:
			continue // the stand-in: it gets the payload from the successor
		case !mb.Ext:
			n.Out.Add(m, mb.Addr, mb.ID, n.Cfg.RetryAttempts, n.Now)
		case j == 0 && (i == succ || !copies):
			n.Out.AddEvery(m, mb.Addr, mb.ID, n.Cfg.RetryAttempts, n.Cfg.ProbeTimeout, n.Now)
		case copies:
			n.Out.AddAs(m, message.TypeCopy, mb.Addr, mb.ID, 1, n.Now)
		default:
			n.Out.Add(m, mb.Addr, mb.ID, n.Cfg.RetryAttempts, n.Now)
		}
	}
}
