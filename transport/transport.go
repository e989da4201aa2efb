// Package transport defines the datagram I/O boundary of the gossip engine.
//
// The engine never opens sockets itself: it reads and writes datagrams
// through a Transport. The default Transport is a non-blocking UDP socket;
// tests and simulators plug in their own (an in-memory one fits in a few
// lines, see the example).
package transport

import (
	"errors"
	"net/netip"
)

// ErrWouldBlock is returned by Transport.ReadFrom when no datagram is
// waiting, and by Transport.WriteTo when the datagram cannot be queued
// without blocking. It is not a failure: the engine stops draining (or
// leaves the envelope due) and tries again on the caller's next call.
var ErrWouldBlock = errors.New("transport: operation would block")

// ErrClosed is returned by every method of a Transport after Close.
var ErrClosed = errors.New("transport: closed")

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
	// retain b after it returns: the engine reuses the buffer.
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
