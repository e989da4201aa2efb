package runner

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// waker is the loop's wake-up descriptor: an eventfd. signal adds one to
// its counter, which makes it readable; drain reads the counter back to
// zero.
type waker struct {
	fd  int
	buf [8]byte // drain's scratch, so that reading does not allocate
	fds [2]unix.PollFd
	svc *gossip.GossipService // set when the transport is waited on, not polled
}

// one is the 8-byte counter increment an eventfd write takes, in the
// host's byte order.
var one = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

func newWaker(svc *gossip.GossipService) (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return waker{fd: -1}, err
	}
	return waker{fd: fd, fds: pollFDs(svc, fd), svc: waitedOn(svc)}, nil
}

// pollFD is the descriptor to poll for readability.
func (w *waker) pollFD() int { return w.fd }

// signal makes the descriptor readable (a full counter, EAGAIN, is
// readable already), and wakes the service's Wait when the loop sleeps
// in it.
func (w *waker) signal() {
	_, _ = unix.Write(w.fd, one[:])
	if w.svc != nil {
		w.svc.Wake()
	}
}

// drain makes the descriptor unreadable again, and reports whether it
// was readable.
func (w *waker) drain() bool {
	n, _ := unix.Read(w.fd, w.buf[:])
	return n > 0
}

func (w *waker) close() { unix.Close(w.fd) }
