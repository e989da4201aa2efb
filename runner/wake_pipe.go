//go:build unix && !linux

package runner

import (
	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// waker is the loop's wake-up descriptor where there is no eventfd: a
// non-blocking pipe. signal writes a byte to it, which makes its read end
// readable; drain reads every byte back.
type waker struct {
	r, w int
	buf  [64]byte // drain's scratch, so that reading does not allocate
	fds  [2]unix.PollFd
	svc  *gossip.GossipService // set when the transport is waited on, not polled
}

var one = [1]byte{1}

func newWaker(svc *gossip.GossipService) (waker, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return waker{r: -1, w: -1}, err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return waker{r: -1, w: -1}, err
		}
	}
	return waker{r: p[0], w: p[1], fds: pollFDs(svc, p[0]), svc: waitedOn(svc)}, nil
}

// pollFD is the descriptor to poll for readability.
func (w *waker) pollFD() int { return w.r }

// signal makes the read end readable (a full pipe, EAGAIN, is readable
// already), and wakes the service's Wait when the loop sleeps in it.
func (w *waker) signal() {
	_, _ = unix.Write(w.w, one[:])
	if w.svc != nil {
		w.svc.Wake()
	}
}

// drain reads until the pipe is empty, and reports whether it held
// anything.
func (w *waker) drain() bool {
	got := false
	for {
		if n, err := unix.Read(w.r, w.buf[:]); n <= 0 || err != nil {
			return got
		}
		got = true
	}
}

func (w *waker) close() {
	unix.Close(w.r)
	unix.Close(w.w)
}
