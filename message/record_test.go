package message

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestRecordKindString(t *testing.T) {
	tests := []struct {
		k    RecordKind
		want string
	}{
		{RecordAlive, "alive"}, {RecordSuspect, "suspect"}, {RecordFailed, "failed"}, {RecordLeft, "left"},
		{0, "RecordKind(0)"}, {5, "RecordKind(5)"}, {0xff, "RecordKind(255)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("RecordKind(%d).String() = %q; want %q", uint8(tt.k), got, tt.want)
		}
	}
}

func TestRecordKindValuesAreWireProtocol(t *testing.T) {
	// Append only: these numbers are on the wire.
	for i, k := range []RecordKind{RecordAlive, RecordSuspect, RecordFailed, RecordLeft} {
		if k != RecordKind(i+1) {
			t.Errorf("%v = %d; want %d", k, uint8(k), i+1)
		}
	}
	if MaxMetaLen != 255 {
		t.Errorf("MaxMetaLen = %d; metaLen is one byte", MaxMetaLen)
	}
}

// validRecords are records of every kind that Record.Valid accepts,
// including ones whose fields of other kinds are set and ignored.
var validRecords = []Record{
	aliveA1, aliveB2, aliveC3, suspectC3, failedD4, leftE5,
	{Kind: RecordAlive, ID: 1, Inc: 1, Addr: netip.MustParseAddrPort("0.0.0.0:0")},
	{Kind: RecordAlive, ID: ^uint64(0), Inc: ^uint32(0), Addr: netip.MustParseAddrPort("[::ffff:10.0.0.1]:65535"),
		Meta: bytes.Repeat([]byte{0xab}, MaxMetaLen)},
	{Kind: RecordAlive, ID: 2, Inc: 1, Addr: addr6, Meta: []byte{}, From: 9},
	{Kind: RecordSuspect, ID: 3, Inc: 1, From: ^uint64(0), Addr: addr4, Meta: []byte("ignored")},
	{Kind: RecordFailed, ID: 4, Inc: 9, From: 1},
	{Kind: RecordLeft, ID: 5, Inc: 1, From: 7, Addr: addr6, Meta: []byte("ignored")},
}

// invalidRecords are records that Record.Valid refuses, with the error
// the encoders return for them.
var invalidRecords = []struct {
	name string
	r    Record
	err  error
}{
	{"kind 0", Record{ID: 1, Inc: 1, Addr: addr4}, ErrInvalid},
	{"kind 5", Record{Kind: 5, ID: 1, Inc: 1, Addr: addr4, From: 1}, ErrInvalid},
	{"alive id 0", Record{Kind: RecordAlive, Inc: 1, Addr: addr4}, ErrInvalid},
	{"alive inc 0", Record{Kind: RecordAlive, ID: 1, Addr: addr4}, ErrInvalid},
	{"alive without an address", Record{Kind: RecordAlive, ID: 1, Inc: 1}, ErrAddress},
	{"alive with a zone", Record{Kind: RecordAlive, ID: 1, Inc: 1, Addr: netip.MustParseAddrPort("[fe80::1%eth0]:1")}, ErrAddress},
	{"alive with 256 metadata bytes", Record{Kind: RecordAlive, ID: 1, Inc: 1, Addr: addr4, Meta: make([]byte, MaxMetaLen+1)}, ErrInvalid},
	{"suspect from 0", Record{Kind: RecordSuspect, ID: 1, Inc: 1}, ErrInvalid},
	{"failed from 0", Record{Kind: RecordFailed, ID: 1, Inc: 1}, ErrInvalid},
	{"suspect id 0", Record{Kind: RecordSuspect, Inc: 1, From: 1}, ErrInvalid},
	{"failed inc 0", Record{Kind: RecordFailed, ID: 1, From: 1}, ErrInvalid},
	{"left id 0", Record{Kind: RecordLeft, Inc: 1}, ErrInvalid},
	{"left inc 0", Record{Kind: RecordLeft, ID: 1}, ErrInvalid},
}

// TestRecordLenIsTheEncodedLength holds Record.Len to the bytes an
// UpdateWriter writes for the record, and to the layout's sizes.
func TestRecordLenIsTheEncodedLength(t *testing.T) {
	for _, r := range validRecords {
		b := make([]byte, DefaultMaxMessageSize)
		w, err := NewUpdateWriter(b, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if !w.Add(r) {
			t.Fatalf("Add(%+v) refused a valid record", r)
		}
		if got := w.Finish() - updateOverhead; r.Len() != got || !r.Valid() {
			t.Errorf("%+v: Len() = %d, Valid() = %v; %d bytes written", r, r.Len(), r.Valid(), got)
		}
		var want int
		switch r.Kind {
		case RecordAlive:
			want = AliveRecordLen(AddrLen(r.Addr) == addrLen6, len(r.Meta))
		case RecordSuspect, RecordFailed:
			want = 21
		case RecordLeft:
			want = 13
		}
		if r.Len() != want {
			t.Errorf("%+v: Len() = %d; the layout gives %d", r, r.Len(), want)
		}
	}
	for _, tt := range invalidRecords {
		if tt.r.Len() != 0 || tt.r.Valid() {
			t.Errorf("%s: Len() = %d, Valid() = %v; want 0, false", tt.name, tt.r.Len(), tt.r.Valid())
		}
	}
}

func TestAliveRecordLen(t *testing.T) {
	tests := []struct {
		ipv6    bool
		metaLen int
		want    int
	}{
		{false, 0, 24}, {false, 7, 31}, {false, MaxMetaLen, 279},
		{true, 0, 36}, {true, 7, 43}, {true, MaxMetaLen, 291},
	}
	for _, tt := range tests {
		if got := AliveRecordLen(tt.ipv6, tt.metaLen); got != tt.want {
			t.Errorf("AliveRecordLen(%v, %d) = %d; want %d", tt.ipv6, tt.metaLen, got, tt.want)
		}
		addr := addr4
		if tt.ipv6 {
			addr = addr6
		}
		r := Record{Kind: RecordAlive, ID: 1, Inc: 1, Addr: addr, Meta: make([]byte, tt.metaLen)}
		if r.Len() != tt.want {
			t.Errorf("Len of an alive record (ipv6 %v, %d metadata bytes) = %d; want %d", tt.ipv6, tt.metaLen, r.Len(), tt.want)
		}
	}
	// An IPv4-mapped address is sent as /ip6, so it takes the IPv6 length.
	mapped := Record{Kind: RecordAlive, ID: 1, Inc: 1, Addr: netip.MustParseAddrPort("[::ffff:10.0.0.1]:1")}
	if mapped.Len() != AliveRecordLen(true, 0) {
		t.Errorf("IPv4-mapped alive record: Len() = %d; want %d", mapped.Len(), AliveRecordLen(true, 0))
	}
}

func TestMaxRecordLen(t *testing.T) {
	tests := []struct{ size, want int }{
		{DefaultMaxMessageSize, 501},
		{MinMessageSize, 53},
		{MaxMessageSizeLimit, 65496},
		{12, 1},
		{11, 0},
		{10, 0},
		{0, 0},
		{-5, 0},
	}
	for _, tt := range tests {
		if got := MaxRecordLen(tt.size); got != tt.want {
			t.Errorf("MaxRecordLen(%d) = %d; want %d", tt.size, got, tt.want)
		}
	}
	// A record of exactly MaxRecordLen fills an Update of that size; one
	// byte more does not fit. (Sizes where both records are valid, so that
	// the second is refused for its length.)
	for _, size := range []int{MinMessageSize, 100, 289} {
		for _, ipv6 := range []bool{false, true} {
			meta := MaxRecordLen(size) - AliveRecordLen(ipv6, 0)
			addr := addr4
			if ipv6 {
				addr = addr6
			}
			r := Record{Kind: RecordAlive, ID: 1, Inc: 1, Addr: addr, Meta: make([]byte, meta)}
			w, _ := NewUpdateWriter(make([]byte, size), 1, true)
			if !w.Fits(r.Len()) || !w.Add(r) || w.Finish() != size {
				t.Errorf("size %d, ipv6 %v: a record of MaxRecordLen does not fill the datagram", size, ipv6)
			}
			r.Meta = append(r.Meta, 0)
			w, _ = NewUpdateWriter(make([]byte, size), 1, true)
			if w.Fits(r.Len()) || w.Add(r) {
				t.Errorf("size %d, ipv6 %v: a record one byte over MaxRecordLen fits", size, ipv6)
			}
		}
	}
}

// TestRecordsOfEveryMetaLength round-trips an alive record with every
// metadata length through a Join and an Update (followed by another
// record, so that a length off by one shows), and holds the reference
// decoder to the same answer.
func TestRecordsOfEveryMetaLength(t *testing.T) {
	meta := make([]byte, MaxMetaLen)
	for i := range meta {
		meta[i] = byte(i + 1)
	}
	buf := make([]byte, DefaultMaxMessageSize)
	for _, addr := range []netip.AddrPort{addr4, addr6} {
		for n := 0; n <= MaxMetaLen; n++ {
			r := Record{Kind: RecordAlive, ID: 0xa1, Inc: 1, Addr: addr, Meta: meta[:n]}

			size, err := (&Join{Record: r}).Encode(buf, 9)
			if err != nil {
				t.Fatal(err)
			}
			var m Message
			if err := Decode(buf[:size], &m); err != nil || !sameRecord(m.Join.Record, r) {
				t.Fatalf("Join with %d metadata bytes: %+v, %v", n, m.Join.Record, err)
			}
			if d := checkAgainstReference(buf[:size]); d != "" {
				t.Fatalf("Join with %d metadata bytes: %s", n, d)
			}

			if size, err = writeUpdate(10, true, r, leftE5)(buf); err != nil {
				t.Fatal(err)
			}
			if err := Decode(buf[:size], &m); err != nil {
				t.Fatalf("Update with %d metadata bytes: %v", n, err)
			}
			if got := records(&m.Update); len(got) != 2 || !sameRecord(got[0], r) || !sameRecord(got[1], leftE5) {
				t.Fatalf("Update with %d metadata bytes: %+v", n, got)
			}
			if d := checkAgainstReference(buf[:size]); d != "" {
				t.Fatalf("Update with %d metadata bytes: %s", n, d)
			}
		}
	}
}
