package democli

import (
	"time"

	"github.com/tickgossip/gossip"
)

// Waiter is the wait of the library's loop for one or more services: it
// polls their sockets where the system has poll (unix), and sleeps in the
// service's Wait where it has not (Windows, or a transport without a
// descriptor). Several services without poll are waited on through the
// first one's Wait, at most a millisecond at a time, so that the others'
// datagrams wait no longer than that.
type Waiter struct {
	svcs []*gossip.GossipService
	sys  waitSys
}

// NewWaiter returns a Waiter for svcs, which must stay open while it is
// used.
func NewWaiter(svcs ...*gossip.GossipService) *Waiter {
	w := &Waiter{svcs: svcs}
	w.sys.init(svcs)
	return w
}

// Wait waits until one of the sockets has a datagram or d has passed: d
// is Tick's result (or less). d is rounded up to whole milliseconds where
// poll is used, so a wait of 0.4 ms does not become a busy poll of 0 ms.
// An interrupted poll (EINTR, a signal arrived) is not an error.
func (w *Waiter) Wait(d time.Duration) error { return w.wait(d, false) }

// WaitWritable waits until one of the sockets can take a datagram or d
// has passed, for a loop that flushes Leaves into a full send buffer.
// Without poll it sleeps at most a millisecond.
func (w *Waiter) WaitWritable(d time.Duration) error { return w.wait(d, true) }

// waitPortable is the wait without poll.
func (w *Waiter) waitPortable(d time.Duration, out bool) error {
	if out || len(w.svcs) > 1 {
		d = min(d, time.Millisecond)
	}
	return w.svcs[0].Wait(d)
}

// Millis converts a wait to poll's milliseconds, rounding up; negative
// waits become 0.
func Millis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
