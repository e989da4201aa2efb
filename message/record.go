package message

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// RecordKind says what a membership [Record] states about its member.
//
// Append only: the values are wire protocol.
type RecordKind uint8

// The record kinds.
const (
	// RecordAlive: the member is alive at this incarnation, at this
	// address, with this metadata. Only the member itself raises its
	// incarnation, so an Alive with a higher incarnation refutes any
	// suspicion or verdict about a lower one.
	RecordAlive RecordKind = 1
	// RecordSuspect: From could not reach the member at this
	// incarnation, directly or through others.
	RecordSuspect RecordKind = 2
	// RecordFailed: From declared the member failed at this incarnation
	// after its suspicion ran out unrefuted.
	RecordFailed RecordKind = 3
	// RecordLeft: the member left at this incarnation.
	RecordLeft RecordKind = 4
)

var recordKindNames = [...]string{RecordAlive: "alive", RecordSuspect: "suspect", RecordFailed: "failed", RecordLeft: "left"}

// String returns the kind's name ("alive", "suspect", "failed", "left").
func (k RecordKind) String() string {
	if k >= RecordAlive && k <= RecordLeft {
		return recordKindNames[k]
	}
	return "RecordKind(" + strconv.Itoa(int(k)) + ")"
}

// MaxMetaLen is the most metadata bytes one Alive record can carry: its
// metaLen field is one byte.
const MaxMetaLen = 255

// Record is one statement about one member, as it travels in an [Update]
// (and, without its kind byte, as the body of a [Join]):
//
//	kind u8, id u64, inc u32, then by kind:
//	  alive:          addrLen u8, addr[addrLen], metaLen u8, meta[metaLen]
//	  suspect/failed: from u64
//	  left:           nothing
//
// The incarnation orders statements about one member: a higher one
// supersedes a lower one; at equal incarnations left and failed supersede
// suspect, which supersedes alive. Incarnations start at 1; 0 is invalid
// on the wire.
type Record struct {
	// Kind says what the record states.
	Kind RecordKind
	// ID is the member's node id, never 0.
	ID uint64
	// Inc is the member's incarnation, never 0.
	Inc uint32
	// Addr is the member's address (Alive only).
	Addr netip.AddrPort
	// Meta is the member's metadata, at most [MaxMetaLen] bytes (Alive
	// only). After decoding it aliases the datagram.
	Meta []byte
	// From is the node that suspects or declared the member (Suspect and
	// Failed only), never 0.
	From uint64
}

// Len returns r's encoded length inside an [Update], kind byte included,
// or 0 if r cannot be encoded (see [Record.Valid]).
func (r *Record) Len() int {
	n, err := recordLen(r)
	if err != nil {
		return 0
	}
	return n
}

// Valid reports whether r can be encoded: a known kind, non-zero id and
// incarnation, and per kind a valid address and at most [MaxMetaLen]
// metadata bytes (Alive) or a non-zero From (Suspect, Failed).
func (r *Record) Valid() bool { return r.Len() != 0 }

// recordLen returns r's encoded length with its kind byte, or the error
// that keeps it from being encoded.
func recordLen(r *Record) (int, error) {
	if r.ID == 0 || r.Inc == 0 {
		return 0, ErrInvalid
	}
	switch r.Kind {
	case RecordAlive:
		a := AddrLen(r.Addr)
		if a == 0 {
			return 0, ErrAddress
		}
		if len(r.Meta) > MaxMetaLen {
			return 0, ErrInvalid
		}
		return 1 + 12 + 1 + a + 1 + len(r.Meta), nil
	case RecordSuspect, RecordFailed:
		if r.From == 0 {
			return 0, ErrInvalid
		}
		return 1 + 12 + 8, nil
	case RecordLeft:
		return 1 + 12, nil
	}
	return 0, ErrInvalid
}

// putRecord writes r, which recordLen accepted, into b and returns the
// length written. With kind false it leaves out the kind byte (a Join).
func putRecord(b []byte, r *Record, kind bool) int {
	n := 0
	if kind {
		b[0] = byte(r.Kind)
		n = 1
	}
	binary.BigEndian.PutUint64(b[n:], r.ID)
	binary.BigEndian.PutUint32(b[n+8:], r.Inc)
	n += 12
	switch r.Kind {
	case RecordAlive:
		addr, _ := AppendAddr(b[n+1:n+1], r.Addr)
		b[n] = byte(len(addr))
		n += 1 + len(addr)
		b[n] = byte(len(r.Meta))
		n += 1 + copy(b[n+1:], r.Meta)
	case RecordSuspect, RecordFailed:
		binary.BigEndian.PutUint64(b[n:], r.From)
		n += 8
	}
	return n
}

// recordErrs are the precomputed errors of one message type's records.
type recordErrs struct {
	kindShort, kindBad, idShort, idZero, incShort, incZero *DecodeError
	addrLenShort, addrLenBad, addrShort, addrBad           *DecodeError
	metaLenShort, metaShort, fromShort, fromZero           *DecodeError
}

func newRecordErrs(t Type, prefix string) *recordErrs {
	f := func(field string, err error) *DecodeError { return fieldErr(t, prefix+field, err) }
	return &recordErrs{
		kindShort: f("kind", ErrShort), kindBad: f("kind", ErrInvalid),
		idShort: f("id", ErrShort), idZero: f("id", ErrInvalid),
		incShort: f("inc", ErrShort), incZero: f("inc", ErrInvalid),
		addrLenShort: f("addrLen", ErrShort), addrLenBad: f("addrLen", ErrAddress),
		addrShort: f("addr", ErrShort), addrBad: f("addr", ErrAddress),
		metaLenShort: f("metaLen", ErrShort), metaShort: f("meta", ErrShort),
		fromShort: f("from", ErrShort), fromZero: f("from", ErrInvalid),
	}
}

// decodeRecord decodes the record at the start of b and returns it with
// the bytes after it. kind is the record's kind when the layout has no
// kind byte (a Join), or 0 to read it from b. The error is the first
// problem met reading front to back.
func decodeRecord(b []byte, kind RecordKind, e *recordErrs) (Record, []byte, error) {
	var r Record
	if kind == 0 {
		if len(b) < 1 {
			return r, nil, e.kindShort
		}
		kind = RecordKind(b[0])
		if kind < RecordAlive || kind > RecordLeft {
			return r, nil, e.kindBad
		}
		b = b[1:]
	}
	switch {
	case len(b) < 8:
		return r, nil, e.idShort
	case binary.BigEndian.Uint64(b) == 0:
		return r, nil, e.idZero
	case len(b) < 12:
		return r, nil, e.incShort
	case binary.BigEndian.Uint32(b[8:]) == 0:
		return r, nil, e.incZero
	}
	r = Record{Kind: kind, ID: binary.BigEndian.Uint64(b), Inc: binary.BigEndian.Uint32(b[8:])}
	b = b[12:]
	switch kind {
	case RecordAlive:
		if len(b) < 1 {
			return Record{}, nil, e.addrLenShort
		}
		n := int(b[0])
		if n == 0 || n > MaxAddrLen {
			return Record{}, nil, e.addrLenBad
		}
		if len(b) < 1+n {
			return Record{}, nil, e.addrShort
		}
		addr, err := ParseAddr(b[1 : 1+n])
		if err != nil {
			return Record{}, nil, e.addrBad
		}
		b = b[1+n:]
		if len(b) < 1 {
			return Record{}, nil, e.metaLenShort
		}
		m := int(b[0])
		if len(b) < 1+m {
			return Record{}, nil, e.metaShort
		}
		r.Addr = addr
		if m > 0 {
			r.Meta = b[1 : 1+m : 1+m]
		}
		b = b[1+m:]
	case RecordSuspect, RecordFailed:
		if len(b) < 8 {
			return Record{}, nil, e.fromShort
		}
		if r.From = binary.BigEndian.Uint64(b); r.From == 0 {
			return Record{}, nil, e.fromZero
		}
		b = b[8:]
	}
	return r, b, nil
}
