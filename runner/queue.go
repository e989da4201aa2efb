package runner

// queue is the publish queue: a ring of payload slots, filled by Publish
// on any goroutine and emptied by the loop, all under Runner.mu. A slot's
// buffer is kept and reused, so publishing does not allocate once every
// slot has held a payload as large.
//
// The loop takes a batch from the head without holding the lock while it
// calls SendData (see Runner.originate): publishers only write the slots
// after the last queued one, so the batch stays untouched until the loop
// releases it with pop.
type queue struct {
	slots  [][]byte
	head   int // the oldest queued payload
	n      int // how many are queued
	closed bool
	room   chan struct{} // closed when slots are freed; made by the first waiter

	published, full uint64
}

func newQueue(size int) queue { return queue{slots: make([][]byte, size)} }

// push copies p into the slot after the last queued one. The caller has
// checked that the queue is open and not full.
func (q *queue) push(p []byte) {
	i := (q.head + q.n) % len(q.slots)
	q.slots[i] = append(q.slots[i][:0], p...)
	q.n++
	q.published++
}

// at returns the k-th queued payload, counting from the head.
func (q *queue) at(k int) []byte { return q.slots[(q.head+k)%len(q.slots)] }

// pop releases the k oldest payloads and wakes whoever waits for room.
func (q *queue) pop(k int) {
	if k == 0 {
		return
	}
	q.head = (q.head + k) % len(q.slots)
	q.n -= k
	q.signalRoom()
}

// waitRoom returns a channel that is closed when room is made.
func (q *queue) waitRoom() <-chan struct{} {
	if q.room == nil {
		q.room = make(chan struct{})
	}
	return q.room
}

func (q *queue) signalRoom() {
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
}

// close refuses further payloads and wakes the waiters, who then see
// ErrClosed.
func (q *queue) close() {
	q.closed = true
	q.signalRoom()
}
