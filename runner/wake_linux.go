package runner

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// waker is the loop's wake-up descriptor: an eventfd. signal adds one to
// its counter, which makes it readable; drain reads the counter back to
// zero.
type waker struct {
	fd  int
	buf [8]byte // drain's scratch, so that reading does not allocate
}

// one is the 8-byte counter increment an eventfd write takes, in the
// host's byte order.
var one = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return waker{fd: -1}, err
	}
	return waker{fd: fd}, nil
}

// pollFD is the descriptor to poll for readability.
func (w *waker) pollFD() int { return w.fd }

// signal makes the descriptor readable. A full counter (EAGAIN) is
// readable already.
func (w *waker) signal() { _, _ = unix.Write(w.fd, one[:]) }

// drain makes the descriptor unreadable again.
func (w *waker) drain() { _, _ = unix.Read(w.fd, w.buf[:]) }

func (w *waker) close() { unix.Close(w.fd) }
