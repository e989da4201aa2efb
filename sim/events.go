package sim

import "container/heap"

type eventKind uint8

const (
	evDeliver eventKind = iota + 1
	evWake
)

// event is a datagram arriving at a node, or a node's wake-up.
type event struct {
	at   int64 // virtual nanoseconds since the simulation began
	seq  uint64
	kind eventKind
	node int
	gen  uint64  // evWake: valid only if it matches the node's wakeGen
	pkt  *packet // evDeliver
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (s *Sim) schedule(e event) {
	s.evSeq++
	e.seq = s.evSeq
	heap.Push(&s.events, e)
}
