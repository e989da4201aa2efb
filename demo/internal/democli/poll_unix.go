//go:build unix

package democli

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// waitSys is what a Waiter polls: every service's socket, or nothing when
// one of them has no descriptor (then it waits in the service's Wait).
type waitSys struct {
	fds []unix.PollFd
}

func (s *waitSys) init(svcs []*gossip.GossipService) {
	for _, svc := range svcs {
		if svc.FD() < 0 {
			s.fds = nil
			return
		}
		s.fds = append(s.fds, unix.PollFd{Fd: int32(svc.FD())})
	}
}

func (w *Waiter) wait(d time.Duration, out bool) error {
	if w.sys.fds == nil {
		return w.waitPortable(d, out)
	}
	for i := range w.sys.fds {
		// The field types of PollFd differ between systems: assign the
		// untyped constants.
		if out {
			w.sys.fds[i].Events = unix.POLLOUT
		} else {
			w.sys.fds[i].Events = unix.POLLIN
		}
		w.sys.fds[i].Revents = 0
	}
	if _, err := unix.Poll(w.sys.fds, Millis(d)); err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("poll: %w", err)
	}
	return nil
}
