package node

import "github.com/tickgossip/gossip/spread"

// Rumor appends the recipients of a rumor: this node's ring successor and
// RumorFactor-1 random members, none of them excluded. Excluded indices of
// -1 (not a member) are ignored.
func (n *Node) Rumor(dst []int, exclude []int) []int {
	return spread.Rumor(dst, n.Rand, n.Members.Len(), n.Cfg.RumorFactor, n.Members.Successor(), exclude)
}
