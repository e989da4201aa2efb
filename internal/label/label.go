// Package label keeps the datagrams of one cluster from being taken by
// another on the same network: each cluster has a label, and a datagram
// carries its cluster's.
//
// A plaintext datagram of a labelled cluster is wrapped in extension type
// 16 (Labelled), a header of four bytes and the label before the whole
// datagram:
//
//	offset size field
//	0      2    type: 16 (Labelled)
//	2      1    version: 1
//	3      1    n: the label's length, 1..64
//	4      n    label
//	4+n    ...  the plaintext datagram, header and body
//
// A cluster without a label sends datagrams as the base format has them,
// so a base-format peer without a label interoperates with it; a node
// without a label drops a Labelled datagram as another cluster's. (A
// sealed datagram carries no wrapper: the label goes into its additional
// data, internal/seal.)
//
// [Transport] wraps what it writes and unwraps what it reads; [Wrap] and
// [Unwrap] do it for one datagram, for the sealing layer's plaintext paths
// and for tools.
package label

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/tickgossip/gossip/transport"
)

// Type is the extension type of a Labelled datagram. Types 9 to 15 are
// taken by membership extensions.
const Type = 16

// Version is the Labelled header's version byte.
const Version = 1

// MaxLen is the longest label.
const MaxLen = 64

// HeaderLen is the Labelled header before the label.
const HeaderLen = 4

// ErrInvalid: a label is longer than MaxLen or holds a byte that is not
// printable ASCII other than space (0x21..0x7e).
var ErrInvalid = errors.New("label: want at most 64 bytes of printable ASCII, no spaces")

// Check reports whether l can be a label ("" is no label).
func Check(l string) error {
	if len(l) > MaxLen {
		return ErrInvalid
	}
	for i := range len(l) {
		if l[i] < 0x21 || l[i] > 0x7e {
			return ErrInvalid
		}
	}
	return nil
}

// Overhead returns the bytes labelling adds to a plaintext datagram: 0 for
// no label, else HeaderLen + len(l).
func Overhead(l string) int {
	if l == "" {
		return 0
	}
	return HeaderLen + len(l)
}

// Wrap appends to dst the datagram pt as the cluster labelled l sends it
// (pt itself for no label) and returns the extended slice. dst's spare
// capacity must not overlap pt.
func Wrap(dst []byte, l string, pt []byte) []byte {
	if l == "" {
		return append(dst, pt...)
	}
	dst = binary.BigEndian.AppendUint16(dst, Type)
	dst = append(dst, Version, byte(len(l)))
	dst = append(dst, l...)
	return append(dst, pt...)
}

// Verdict is what Unwrap made of a datagram.
type Verdict uint8

// The verdicts.
const (
	// Ours: the datagram is this cluster's; the inner datagram is
	// returned.
	Ours Verdict = iota
	// Other: a Labelled datagram of another label, or of any label at a
	// node without one.
	Other
	// Unlabelled: a bare datagram at a node with a label.
	Unlabelled
	// Malformed: type Labelled, but too short for its label, of another
	// version, or with a label length of 0 or beyond MaxLen.
	Malformed
)

// Unwrap returns the plaintext datagram b carries for the cluster labelled
// l (b itself for no label), and whether b is that cluster's. The result
// aliases b.
func Unwrap(b []byte, l string) ([]byte, Verdict) {
	labelled := len(b) >= 2 && binary.BigEndian.Uint16(b) == Type
	switch {
	case !labelled && l == "":
		return b, Ours
	case !labelled:
		return nil, Unlabelled
	case len(b) < HeaderLen || b[2] != Version || b[3] == 0 || int(b[3]) > MaxLen || len(b) < HeaderLen+int(b[3]):
		return nil, Malformed
	}
	n := int(b[3])
	if string(b[HeaderLen:HeaderLen+n]) != l {
		return nil, Other
	}
	return b[HeaderLen+n:], Ours
}

// Stats count what a Transport dropped: every datagram read is returned,
// or counted once here.
type Stats struct {
	Other      uint64 // another cluster's label (or any, at a node without one)
	Unlabelled uint64 // no label, at a node with one
	Malformed  uint64 // a Labelled header that does not hold together
}

// Dropped returns the sum of the drops.
func (s Stats) Dropped() uint64 { return s.Other + s.Unlabelled + s.Malformed }

// Transport labels what it writes and checks the label of what it reads,
// around an inner transport, for a node without keys (with keys the
// sealing layer does it). Like every Transport it is not safe for
// concurrent use. ReadFrom and WriteTo do not allocate once their buffers
// have grown to the datagram size.
type Transport struct {
	inner transport.Transport
	label string
	rbuf  []byte
	wbuf  []byte
	stats Stats

	// OnDropped, when set, is called for every datagram ReadFrom drops,
	// after it is counted.
	OnDropped func(from netip.AddrPort, v Verdict)
}

var _ transport.Transport = (*Transport)(nil)

// New wraps inner for the cluster labelled l, which Check accepts (the
// caller has checked it).
func New(inner transport.Transport, l string) *Transport {
	return &Transport{inner: inner, label: l}
}

// ReadFrom reads datagrams until one is this cluster's and copies its
// inner datagram into b, dropping and counting the others. An inner
// datagram longer than b is truncated to len(b), n == len(b) marking it,
// as the Transport contract asks.
func (t *Transport) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	need := len(b) + HeaderLen + MaxLen
	if cap(t.rbuf) < need {
		t.rbuf = make([]byte, need)
	}
	rbuf := t.rbuf[:need]
	for {
		n, from, err := t.inner.ReadFrom(rbuf)
		if err != nil {
			return 0, from, err
		}
		inner, v := Unwrap(rbuf[:n], t.label)
		switch v {
		case Ours:
			return copy(b, inner), from, nil
		case Other:
			t.stats.Other++
		case Unlabelled:
			t.stats.Unlabelled++
		default:
			t.stats.Malformed++
		}
		if t.OnDropped != nil {
			t.OnDropped(from, v)
		}
	}
}

// WriteTo writes b labelled.
func (t *Transport) WriteTo(b []byte, to netip.AddrPort) error {
	if t.label == "" {
		return t.inner.WriteTo(b, to)
	}
	t.wbuf = Wrap(t.wbuf[:0], t.label, b)
	return t.inner.WriteTo(t.wbuf, to)
}

// LocalAddr returns the inner transport's address.
func (t *Transport) LocalAddr() netip.AddrPort { return t.inner.LocalAddr() }

// FD returns the inner transport's file descriptor.
func (t *Transport) FD() int { return t.inner.FD() }

// Close closes the inner transport.
func (t *Transport) Close() error { return t.inner.Close() }

// Stats returns the counters.
func (t *Transport) Stats() Stats { return t.stats }
