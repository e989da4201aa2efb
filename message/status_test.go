package message

import "testing"

func TestStatusRoundTrip(t *testing.T) {
	records := [][2]uint64{{0xa1, 3}, {0xb2, 0}, {^uint64(0), 0xffffffff}}
	b := make([]byte, DefaultMaxMessageSize)
	w, err := NewStatusWriter(b, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if !w.Add(r[0], uint32(r[1])) {
			t.Fatalf("Add(%v) refused", r)
		}
	}
	n := w.Finish()
	if n != 10+12*len(records) || w.Count() != len(records) {
		t.Fatalf("Finish = %d, Count = %d", n, w.Count())
	}
	var s Status
	if err := s.Decode(b[HeaderSize:n]); err != nil {
		t.Fatal(err)
	}
	if s.Count() != len(records) || s.Len() != n {
		t.Fatalf("Count %d, Len %d", s.Count(), s.Len())
	}
	for i, r := range records {
		if id, seq := s.Record(i); id != r[0] || uint64(seq) != r[1] {
			t.Errorf("Record(%d) = %x:%d; want %x:%d", i, id, seq, r[0], r[1])
		}
	}
	out := make([]byte, n)
	if m, err := s.Encode(out, 6); err != nil || m != n || string(out) != string(b[:n]) {
		t.Fatalf("re-encode = %x, %v", out, err)
	}
}

func TestStatusZeroValueIsEmpty(t *testing.T) {
	var s Status
	b := make([]byte, 10)
	if n, err := s.Encode(b, 6); err != nil || n != 10 || string(b) != string(datagram(TypeStatus, 6, be16(0))) {
		t.Fatalf("Encode(zero Status) = %x, %v", b, err)
	}
	var w StatusWriter
	if w.Finish() != 0 || w.Add(1, 1) {
		t.Fatal("zero StatusWriter accepted a record")
	}
}

func TestStatusRecordPanicsOutOfRange(t *testing.T) {
	var s Status
	if err := s.Decode(cat(be16(1), be64(1), be32(1))); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{-1, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Record(%d) did not panic", i)
				}
			}()
			s.Record(i)
		}()
	}
}

func TestStatusDecodeIsStrict(t *testing.T) {
	rec := cat(be64(0xa1), be32(3))
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"no count", []byte{0}, "count", ErrShort},
		{"count 0 with a record", cat(be16(0), rec), "", ErrTrailing},
		{"count 1 with a record and a byte", cat(be16(1), rec, []byte{0}), "", ErrTrailing},
		{"count 2 with one record", cat(be16(2), rec), "record.id", ErrShort},
		{"count 1, id only", cat(be16(1), be64(0xa1)), "record.seq", ErrShort},
		{"count 1, half an id", cat(be16(1), be32(1)), "record.id", ErrShort},
		{"id 0", cat(be16(1), be64(0), be32(3)), "record.id", ErrInvalid},
		{"second id 0", cat(be16(2), rec, be64(0), be32(3)), "record.id", ErrInvalid},
		{"count 65535 with one record", cat(be16(0xffff), rec), "record.id", ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeStatus, 6, tt.body), TypeStatus, tt.field, tt.err)
		})
	}
}

func TestStatusWriterStopsAtTheSizeLimit(t *testing.T) {
	for _, tt := range []struct{ size, want int }{
		{DefaultMaxMessageSize, 41},
		{MinMessageSize, 4},
		{10 + 12*5, 5},
		{10 + 12*5 - 1, 4},
		{10, 0},
	} {
		b := make([]byte, tt.size)
		w, _ := NewStatusWriter(b, 1)
		for w.Add(uint64(w.Count()+1), 1) {
		}
		if w.Count() != tt.want || w.Count() != MaxStatusRecords(tt.size) {
			t.Errorf("size %d: %d records fit; want %d", tt.size, w.Count(), tt.want)
		}
		var s Status
		if err := s.Decode(b[HeaderSize:w.Finish()]); err != nil || s.Count() != tt.want {
			t.Errorf("size %d: Decode = %d, %v", tt.size, s.Count(), err)
		}
	}
	if _, err := NewStatusWriter(make([]byte, 9), 1); err != ErrBufferTooSmall {
		t.Errorf("NewStatusWriter(9 bytes) = %v; want ErrBufferTooSmall", err)
	}
}

func TestStatusWriterRefusesIDZeroAndCapsCount(t *testing.T) {
	b := make([]byte, 10+12*65536)
	w, _ := NewStatusWriter(b, 1)
	if w.Add(0, 1) || w.Count() != 0 {
		t.Fatal("Add accepted id 0")
	}
	for w.Add(1, 1) {
	}
	if w.Count() != 65535 {
		t.Fatalf("Count = %d; want 65535", w.Count())
	}
	var s Status
	if err := s.Decode(b[HeaderSize:w.Finish()]); err != nil || s.Count() != 65535 {
		t.Fatalf("Decode = %d, %v", s.Count(), err)
	}
}
