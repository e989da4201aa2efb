package sim

import (
	"container/heap"
	"time"
)

type eventKind uint8

// A timer runs after every datagram and wake-up due at its instant,
// including those they schedule for that instant, as a driver that ran
// the simulation up to the instant and then acted would: its seq has the
// top bit set (timerSeq), so the queue orders by time and seq alone.
const (
	evDeliver eventKind = iota + 1
	evWake
	evTimer
)

// event is a datagram arriving at a node, a node's wake-up, or a timer.
type event struct {
	at   int64  // virtual nanoseconds since the simulation began
	seq  uint64 // order among events due at the same time
	kind eventKind
	node int
	gen  uint64  // evWake: valid only if it matches the node's wakeGen; evTimer: index in Sim.timers
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

// timerSeq marks a timer's seq: after any datagram's or wake-up's.
const timerSeq = 1 << 63

func (s *Sim) schedule(e event) {
	s.evSeq++
	e.seq = s.evSeq
	if e.kind == evTimer {
		e.seq |= timerSeq
	}
	heap.Push(&s.events, e)
}

// After calls f at d from now of virtual time (at once for d <= 0: at the
// current instant, once the events due now have run), while the
// simulation runs (RunFor, RunUntil). Timers due at the same instant run
// in the order they were set, after the datagrams and wake-ups due then.
// f may change the simulation: pause a node, publish, set another timer.
// This is how the scenario language's drivers (traffic, pauses) work.
func (s *Sim) After(d time.Duration, f func()) {
	var i int
	if n := len(s.freeTimers); n > 0 {
		i = s.freeTimers[n-1]
		s.freeTimers = s.freeTimers[:n-1]
		s.timers[i] = f
	} else {
		i = len(s.timers)
		s.timers = append(s.timers, f)
	}
	s.schedule(event{at: s.now + int64(max(d, 0)), kind: evTimer, gen: uint64(i)})
}

// fire runs timer i and frees its slot.
func (s *Sim) fire(i int) {
	f := s.timers[i]
	s.timers[i] = nil
	s.freeTimers = append(s.freeTimers, i)
	f()
}
