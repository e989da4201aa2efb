package gossip

import (
	"time"

	"github.com/tickgossip/gossip/transport"
)

// Wait is the caller's poll where the transport has no file descriptor
// (FD returns -1): with the default transport on systems without poll
// (Windows), or a Config.Transport that implements transport.Waiter. It
// blocks until a datagram has arrived, d has passed, or Wake is called,
// and returns nil in each case; call it with Tick's result where the loop
// would poll. It returns ErrClosed after Close, and
// transport.ErrCannotWait (nothing changed) when the transport cannot
// wait: poll FD instead. It starts no goroutine.
func (s *GossipService) Wait(d time.Duration) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	w, ok := s.tr.(transport.Waiter)
	if !ok {
		return transport.ErrCannotWait
	}
	return w.Wait(d)
}

// Wake makes a Wait in progress return at once, or the next Wait if none
// is in progress. Unlike every other method it is safe to call from any
// goroutine, also while the loop's goroutine is inside Wait, and after
// Close: that is what it is for (another goroutine has work for the
// loop). It does nothing when the transport cannot wait.
func (s *GossipService) Wake() {
	if w, ok := s.tr.(transport.Waiter); ok {
		w.Wake()
	}
}
