// Package transport defines the datagram I/O boundary of the gossip engine.
//
// The engine never opens sockets itself: it reads and writes datagrams
// through a Transport. The default Transport is a non-blocking UDP socket;
// tests and simulators plug in their own (an in-memory one fits in a few
// lines, see the example).
//
// Beyond the Transport interface a transport may implement optional
// ones, which the service looks for once, when it is created: Flusher (it
// gathers writes and sends them in batches; the service flushes at the
// end of every Send), Buffered (it holds datagrams a poll of its FD does
// not show; the service's Tick then returns 0), and Waiter (it has no FD,
// but can wait for a datagram itself; the service's Wait and Wake use
// it). A transport that wraps another, as the sealing layer does,
// forwards them.
package transport

import (
	"errors"
	"net/netip"
	"time"
)

// ErrWouldBlock is returned by Transport.ReadFrom when no datagram is
// waiting, and by Transport.WriteTo when the datagram cannot be queued
// without blocking. It is not a failure: the engine stops draining (or
// leaves the envelope due) and tries again on the caller's next call.
var ErrWouldBlock = errors.New("transport: operation would block")

// ErrClosed is returned by every method of a Transport after Close.
var ErrClosed = errors.New("transport: closed")

// ErrCannotWait is returned by a Waiter's Wait when the transport under it
// cannot wait (a wrapper around a Transport that is not a Waiter): poll
// its FD instead. Nothing changed.
var ErrCannotWait = errors.New("transport: cannot wait: poll the FD instead")

// Transport moves whole datagrams. Implementations must never block and
// need not be safe for concurrent use: the engine is single-threaded.
type Transport interface {
	// ReadFrom copies the next waiting datagram into b and returns its
	// length and source. When nothing is waiting it returns ErrWouldBlock.
	// A datagram longer than b is truncated to len(b) and n == len(b);
	// the engine passes a buffer one byte larger than the largest datagram
	// it accepts, so a full buffer marks an oversized datagram.
	ReadFrom(b []byte) (n int, from netip.AddrPort, err error)

	// WriteTo sends b as one datagram to the given address. It must not
	// retain b after it returns: the engine reuses the buffer. A
	// Transport that is also a Flusher may copy b and send it at the next
	// Flush; ErrWouldBlock then means that it has no room left to copy b.
	WriteTo(b []byte, to netip.AddrPort) error

	// LocalAddr is the address datagrams are received on, with the port
	// actually bound (never 0 once the transport is open).
	LocalAddr() netip.AddrPort

	// FD is the file descriptor a caller polls for readability, or -1 when
	// the transport has none (an in-memory transport).
	FD() int

	// Close releases the transport. Later calls return ErrClosed.
	Close() error
}

// Flusher is implemented by a Transport that gathers what WriteTo is given
// and sends it in batches, one system call for many datagrams (sendmmsg on
// Linux). The service checks for it once, when it is created, and calls
// Flush at the end of every Send, so that a batch never outlives the Send
// that wrote it; a Transport that gathers writes must be flushed the same
// way by any other caller.
//
// Between WriteTo and Flush the datagrams are the Transport's: an error
// found while sending one of them is reported by Flush, not by the WriteTo
// that gathered it. WriteTo sends a full batch itself to make room, and
// returns ErrWouldBlock when the socket takes none of it.
type Flusher interface {
	// Flush sends every datagram gathered since the last Flush. It
	// returns ErrWouldBlock when the socket's send buffer filled up
	// before all of them went out: those that did not stay gathered, in
	// order, and go out with the next Flush (Buffered reports them until
	// then). Another error means one or more gathered datagrams were
	// dropped (the first error is returned, wrapped); the rest were sent.
	Flush() error
}

// Buffered is implemented by a Transport that holds datagrams which a poll
// of its FD does not show: datagrams read from the socket ahead of
// ReadFrom (recvmmsg reads a batch at a time), or gathered writes that a
// full socket left unsent. The service's Tick returns 0 while Buffered
// reports true, so that the caller's loop calls Receive and Send again
// without waiting on the poll.
type Buffered interface {
	// Buffered reports whether the Transport holds datagrams to hand out
	// with ReadFrom or to send with Flush.
	Buffered() bool
}

// Waiter is implemented by a Transport that has no descriptor to poll (FD
// returns -1) but can wait for a datagram itself: the portable transport
// on the standard library's net.UDPConn, the default where package unix
// has no poll (Windows). The caller's loop calls Wait where it would
// poll.
type Waiter interface {
	// Wait blocks until a datagram is ready for ReadFrom, d has passed, or
	// Wake is called, whichever is first. It returns nil in all three
	// cases, and an error only when the transport failed (ErrClosed after
	// Close). A d of 0 or less returns at once.
	Wait(d time.Duration) error

	// Wake makes the Wait in progress return, or the next one if none is
	// in progress. Unlike every other method of a Transport it is safe to
	// call from any goroutine, at any time, also after Close.
	Wake()
}
