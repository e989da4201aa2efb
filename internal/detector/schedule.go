package detector

// ProbeTarget returns the table index of the member to probe in the given
// round. The table holds the other members in id order (this node is not
// in it); self is this node's position among them, that is the number of
// members with a smaller id. Placing this node on the ring of all
// members+1 ids, it probes the member round%members + 1 places after
// itself: as every node does the same, in every round the probes form a
// permutation, each member probed by exactly one node (while the tables
// agree), and over members rounds each node probes every member once.
// It returns -1 for an empty table.
func ProbeTarget(self, members int, round uint64) int {
	if members <= 0 {
		return -1
	}
	off := int(round%uint64(members)) + 1
	return fromRing(self, (self+off)%(members+1))
}

// toRing maps a table index to a position on the ring of members+1 ids,
// where this node sits at position self.
func toRing(self, i int) int {
	if i < self {
		return i
	}
	return i + 1
}

// fromRing maps a ring position other than self back to a table index.
func fromRing(self, pos int) int {
	if pos < self {
		return pos
	}
	return pos - 1
}

// Predecessors appends the table indices of the k members just before the
// member at table index target on the ring (this node left out, and the
// target itself), nearest first; target -1 means this node itself. They
// are a member's observers: the nodes that hold a suspicion of it and
// probe it until it answers, refutes or is declared failed, and the
// nodes a suspect tells when it refutes.
func Predecessors(dst []int, self, members, target, k int) []int {
	if members <= 0 {
		return dst
	}
	pos := self
	if target >= 0 {
		pos = toRing(self, target)
	}
	ring := members + 1
	for d := 1; d < ring && k > 0; d++ {
		p := (pos - d + ring) % ring
		if p == self {
			continue
		}
		dst = append(dst, fromRing(self, p))
		k--
	}
	return dst
}
