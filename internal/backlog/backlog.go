// Package backlog remembers, for each member, where in the data log this
// node stood when it first heard from that member: the horizon before
// which the log's entries are history the member joined after, and are
// not resent to it (Config.Backlog = BacklogSkip).
//
// The table is bounded: past its bound it forgets the horizon recorded
// first. A member whose horizon was forgotten gets a new one at its next
// Status, so the cost of forgetting is repairs this node no longer makes
// to that member (other members still make them), never a replay.
package backlog

// Horizons maps member ids to data log positions.
type Horizons struct {
	at    map[uint64]uint64
	order []uint64 // a ring of the ids in the order recorded
	next  int      // where the next id goes in order
	max   int
}

// New returns an empty table of at most max horizons (at least 1).
func New(max int) *Horizons {
	max = maxOf(max, 1)
	return &Horizons{at: make(map[uint64]uint64, max), order: make([]uint64, 0, max), max: max}
}

// Since returns the member's horizon, recording pos as that horizon the
// first time the member is seen.
func (h *Horizons) Since(member, pos uint64) uint64 {
	if p, ok := h.at[member]; ok {
		return p
	}
	if len(h.order) < h.max {
		h.order = append(h.order, member)
	} else {
		delete(h.at, h.order[h.next])
		h.order[h.next] = member
		h.next = (h.next + 1) % h.max
	}
	h.at[member] = pos
	return pos
}

// Len returns how many horizons are recorded.
func (h *Horizons) Len() int { return len(h.at) }

func maxOf(a, b int) int { // the parameter named max hides the builtin
	if a > b {
		return a
	}
	return b
}
