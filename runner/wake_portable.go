//go:build !unix

package runner

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/transport"
)

// waker is the loop's wake-up where there is no poll (Windows): the loop
// sleeps in the service's Wait, on its portable transport, and signal
// calls the service's Wake, which is safe from any goroutine. woke
// records that a signal came, for the Wakeups counter.
type waker struct {
	svc  *gossip.GossipService
	woke *atomic.Bool
}

func newWaker(svc *gossip.GossipService) (waker, error) {
	return waker{svc: svc, woke: new(atomic.Bool)}, nil
}

// signal wakes the loop's Wait, or the next one.
func (w *waker) signal() {
	w.woke.Store(true)
	w.svc.Wake()
}

// wait sleeps in the service's Wait for at most d, until a datagram
// arrives or signal is called, and reports whether it was signalled.
// Without poll it cannot wait for the socket to become writable: with
// only out asked, it sleeps at most a millisecond, and a send buffer
// that is still full makes the next Send try again.
func (w *waker) wait(d time.Duration, in, _ bool) (bool, error) {
	err := waitOn(w.svc, d, in)
	return w.woke.Swap(false), err
}

func (w *waker) close() {}

// checkTransport accepts a Config.Transport the loop can wait on.
func checkTransport(t gossip.Transport) error {
	if _, ok := t.(transport.Waiter); !ok {
		return errors.New("Config.Transport cannot wait (it is no transport.Waiter), and this system has no poll")
	}
	return nil
}
