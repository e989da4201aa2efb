//go:build unix

package runner

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/transport"
)

// waker is where the loop sleeps and how other goroutines wake it.
//
// With a socket (the default transport) the loop sleeps in the Go
// runtime's network poller, on a duplicate of the socket's descriptor
// wrapped in an os.File: a sleeping runner holds no OS thread and no P,
// and when datagrams arrive for several runners one thread can run their
// turns one after another, where a poll(2) per runner cost a thread, a
// context switch and a wake-up each (measured: BenchmarkPublishToDelivery
// about 2.5 times faster). signal wakes it by moving the descriptor's
// deadlines into the past, which ends the wait at once; woken records
// that it did, so that a signal just before the wait is not lost.
//
// The poller is edge-triggered, and the service reads the socket through
// its own descriptor, so the wait decides readiness with a poll(2) of
// timeout 0 each time the runtime lets it look: datagrams Receive left
// unread (it reads a bounded number per turn) end the wait at once, and a
// stale edge only makes it look again.
//
// A transport without a descriptor (a transport.Waiter) is waited on
// through the service's Wait instead, and signal calls its Wake.
type waker struct {
	sock  *socketWait           // nil when the transport is waited on, not polled
	svc   *gossip.GossipService // set when it is
	woken *atomic.Bool
}

// socketWait is the wait on a socket, on the heap so that look, bound
// once, refers to it however the waker is copied.
type socketWait struct {
	f       *os.File
	rc      syscall.RawConn
	pfd     [1]unix.PollFd
	woken   *atomic.Bool
	in, out bool               // what the wait in progress waits for
	look    func(uintptr) bool // s.ready, bound once: passing it does not allocate
}

func newWaker(svc *gossip.GossipService) (waker, error) {
	w := waker{woken: new(atomic.Bool)}
	if svc.FD() < 0 {
		w.svc = svc
		return w, nil
	}
	fd, err := unix.FcntlInt(uintptr(svc.FD()), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return w, err
	}
	if err := unix.SetNonblock(fd, true); err != nil { // what makes os.NewFile use the poller
		unix.Close(fd)
		return w, err
	}
	s := &socketWait{f: os.NewFile(uintptr(fd), "gossip socket"), woken: w.woken}
	if s.rc, err = s.f.SyscallConn(); err != nil {
		s.f.Close()
		return w, err
	}
	s.pfd[0].Fd = int32(fd)
	s.look = func(uintptr) bool { return s.ready() }
	w.sock = s
	return w, nil
}

// signal wakes the loop's wait, or makes the next one return at once.
// It is called under Runner.mu, while the waker is open.
func (w *waker) signal() {
	w.woken.Store(true)
	if w.svc != nil {
		w.svc.Wake()
		return
	}
	past := time.Unix(1, 0)
	_ = w.sock.f.SetReadDeadline(past)
	_ = w.sock.f.SetWriteDeadline(past)
}

// wait sleeps until the socket is readable (in) or writable (out), d has
// passed, or signal is called, and reports whether it was signalled.
func (w *waker) wait(d time.Duration, in, out bool) (bool, error) {
	if w.svc != nil {
		err := waitOn(w.svc, d, in)
		return w.woken.Swap(false), err
	}
	if w.woken.Swap(false) {
		return true, nil
	}
	s := w.sock
	s.in, s.out = in, out
	if d <= 0 || s.ready() {
		return false, nil
	}
	until := time.Now().Add(d)
	var err error
	if in {
		if err = s.f.SetReadDeadline(until); err == nil {
			err = s.rc.Read(s.look)
		}
	} else {
		if err = s.f.SetWriteDeadline(until); err == nil {
			err = s.rc.Write(s.look)
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil // the wait is over, or signal ended it
	}
	return w.woken.Swap(false), err
}

// ready reports, without waiting, whether the socket is readable (in) or
// writable (out), or a signal is pending.
func (s *socketWait) ready() bool {
	if s.woken.Load() {
		return true
	}
	// The field types of PollFd differ between systems: assign the
	// untyped constants.
	s.pfd[0].Events, s.pfd[0].Revents = 0, 0
	if s.in {
		s.pfd[0].Events |= unix.POLLIN
	}
	if s.out {
		s.pfd[0].Events |= unix.POLLOUT
	}
	n, err := unix.Poll(s.pfd[:], 0)
	return n > 0 || (err != nil && err != unix.EINTR) // an error: let the turn find it
}

func (w *waker) close() {
	if w.sock != nil {
		w.sock.f.Close()
	}
}

// checkTransport accepts a Config.Transport the loop can poll, or wait
// on.
func checkTransport(t gossip.Transport) error {
	if _, ok := t.(transport.Waiter); t.FD() < 0 && !ok {
		return errors.New("Config.Transport has no file descriptor to poll and cannot wait (no transport.Waiter)")
	}
	return nil
}
