package message

import "encoding/binary"

// Status gossips the sender's data version per originator. Body: count
// u16, then count records of (id u64, seq u32). A version vector longer
// than one datagram is sent in slices (see [StatusWriter]).
//
// Decode validates every record and keeps the raw records, so decoding is
// zero-copy and allocation free and [Status.Record] is O(1). The zero
// value is an empty Status.
type Status struct {
	count int
	raw   []byte // exactly count valid records, aliasing the decoded body
}

var (
	errStatusCount    = fieldErr(TypeStatus, "count", ErrShort)
	errStatusIDShort  = fieldErr(TypeStatus, "record.id", ErrShort)
	errStatusIDZero   = fieldErr(TypeStatus, "record.id", ErrInvalid)
	errStatusSeqShort = fieldErr(TypeStatus, "record.seq", ErrShort)
	errStatusTrailing = fieldErr(TypeStatus, "", ErrTrailing)
)

// MaxStatusRecords returns how many records fit in a Status datagram of
// maxMessageSize bytes: (maxMessageSize - 10) / 12, which is 41 at 512,
// and never negative.
func MaxStatusRecords(maxMessageSize int) int {
	return max(maxMessageSize-HeaderSize-2, 0) / StatusRecordSize
}

// Decode decodes a Status body (the datagram after its header): exactly
// count records must follow the count, and count 0 is valid. A record id
// of 0 is [ErrInvalid]; a record seq of 0 (no data from that originator
// yet) is allowed. It returns a *[DecodeError] wrapping [ErrShort],
// [ErrInvalid] or [ErrTrailing], and leaves s unchanged on error. On
// success s aliases body.
func (s *Status) Decode(body []byte) error {
	if len(body) < 2 {
		return errStatusCount
	}
	count := int(binary.BigEndian.Uint16(body))
	rest := body[2:]
	for range count {
		switch {
		case len(rest) < 8:
			return errStatusIDShort
		case binary.BigEndian.Uint64(rest) == 0:
			return errStatusIDZero
		case len(rest) < StatusRecordSize:
			return errStatusSeqShort
		}
		rest = rest[StatusRecordSize:]
	}
	if len(rest) != 0 {
		return errStatusTrailing
	}
	s.count = count
	s.raw = body[2:len(body):len(body)]
	return nil
}

// Count returns the number of records.
func (s *Status) Count() int { return s.count }

// Record returns record i, in wire order. It panics if i is not in
// [0, s.Count()).
func (s *Status) Record(i int) (id uint64, seq uint32) {
	r := s.raw[i*StatusRecordSize : (i+1)*StatusRecordSize]
	return binary.BigEndian.Uint64(r), binary.BigEndian.Uint32(r[8:])
}

// Len returns the encoded length of s, header included.
func (s *Status) Len() int { return HeaderSize + 2 + len(s.raw) }

// Encode writes s, as decoded, as a datagram with the given seq into
// b[:s.Len()] and returns its length; it fails, writing nothing, with
// [ErrBufferTooSmall] if len(b) < s.Len(). To build a new Status use
// [StatusWriter].
func (s *Status) Encode(b []byte, seq uint32) (int, error) {
	n := s.Len()
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeStatus, seq)
	binary.BigEndian.PutUint16(b[HeaderSize:], uint16(s.count))
	copy(b[HeaderSize+2:], s.raw)
	return n, nil
}

// StatusWriter fills one Status datagram with as many records as fit. The
// caller slices a longer version vector: when Add reports false, send the
// datagram and start another writer.
type StatusWriter struct {
	b     []byte
	n     int // bytes written so far, header and count included
	count int
}

// NewStatusWriter starts a Status with the given seq in b, the whole
// datagram buffer: len(b) is the largest datagram the writer will produce,
// normally the service's MaxMessageSize. It fails with [ErrBufferTooSmall]
// if b cannot hold the header and count (10 bytes).
func NewStatusWriter(b []byte, seq uint32) (StatusWriter, error) {
	if len(b) < HeaderSize+2 {
		return StatusWriter{}, ErrBufferTooSmall
	}
	PutHeader(b, TypeStatus, seq)
	return StatusWriter{b: b, n: HeaderSize + 2}, nil
}

// Add appends the record (id, seq) and reports whether it did. It writes
// nothing and reports false when the record does not fit, when the Status
// already holds 65535 records, or when id is 0.
func (w *StatusWriter) Add(id uint64, seq uint32) bool {
	if id == 0 || w.count == maxU16 || len(w.b)-w.n < StatusRecordSize {
		return false
	}
	binary.BigEndian.PutUint64(w.b[w.n:], id)
	binary.BigEndian.PutUint32(w.b[w.n+8:], seq)
	w.n += StatusRecordSize
	w.count++
	return true
}

// Count returns the number of records added so far.
func (w *StatusWriter) Count() int { return w.count }

// Finish writes the count and returns the datagram's length: the datagram
// is b[:Finish()]. A zero StatusWriter returns 0.
func (w *StatusWriter) Finish() int {
	if w.b == nil {
		return 0
	}
	binary.BigEndian.PutUint16(w.b[HeaderSize:], uint16(w.count))
	return w.n
}
