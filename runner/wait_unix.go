//go:build unix

package runner

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/transport"
)

// pollFDs are what wait polls: the service's socket and the wake-up
// descriptor.
func pollFDs(svc *gossip.GossipService, wake int) [2]unix.PollFd {
	return [2]unix.PollFd{
		{Fd: int32(svc.FD())},
		{Fd: int32(wake), Events: unix.POLLIN},
	}
}

// wait polls the socket, for readability (in) and writability (out), and
// the wake-up descriptor, for at most d rounded up to a millisecond. It
// reports whether the wake-up descriptor was signalled, and drains it.
func (w *waker) wait(d time.Duration, in, out bool) (bool, error) {
	if w.svc != nil {
		err := waitOn(w.svc, d, in)
		return w.drain(), err
	}
	w.fds[0].Events = 0
	if in {
		w.fds[0].Events |= unix.POLLIN
	}
	if out {
		w.fds[0].Events |= unix.POLLOUT
	}
	w.fds[0].Revents, w.fds[1].Revents = 0, 0
	if _, err := unix.Poll(w.fds[:], millis(d)); err != nil && !errors.Is(err, unix.EINTR) {
		return false, err
	}
	if w.fds[1].Revents == 0 {
		return false, nil
	}
	w.drain()
	return true, nil
}

// waitedOn returns svc if the loop waits in its Wait rather than polling
// its socket: a transport without a descriptor (a transport.Waiter).
func waitedOn(svc *gossip.GossipService) *gossip.GossipService {
	if svc.FD() < 0 {
		return svc
	}
	return nil
}

// checkTransport accepts a Config.Transport the loop can poll, or wait
// on.
func checkTransport(t gossip.Transport) error {
	if _, ok := t.(transport.Waiter); t.FD() < 0 && !ok {
		return errors.New("Config.Transport has no file descriptor to poll and cannot wait (no transport.Waiter)")
	}
	return nil
}
