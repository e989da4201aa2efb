package message

import (
	"bytes"
	"slices"
	"testing"
)

// records walks a decoded Update.
func records(u *Update) []Record {
	out := []Record{}
	for it := u.Iter(); ; {
		r, ok := it.Next()
		if !ok {
			return out
		}
		out = append(out, r)
	}
}

// sameRecord reports whether a decoded record says what r says: the
// fields of r's kind, every other field zero.
func sameRecord(got, r Record) bool {
	want := Record{Kind: r.Kind, ID: r.ID, Inc: r.Inc}
	switch r.Kind {
	case RecordAlive:
		want.Addr, want.Meta = r.Addr, r.Meta
	case RecordSuspect, RecordFailed:
		want.From = r.From
	}
	return got.Kind == want.Kind && got.ID == want.ID && got.Inc == want.Inc &&
		got.Addr == want.Addr && got.From == want.From && bytes.Equal(got.Meta, want.Meta)
}

func TestUpdateRoundTrip(t *testing.T) {
	for _, recs := range [][]Record{
		{},
		{aliveA1},
		{suspectC3, failedD4, leftE5},
		{aliveA1, aliveB2, suspectC3, failedD4, leftE5},
		validRecords[6:9],
		validRecords[9:],
	} {
		for _, rumor := range []bool{false, true} {
			b := make([]byte, DefaultMaxMessageSize)
			w, err := NewUpdateWriter(b, 10, rumor)
			if err != nil {
				t.Fatal(err)
			}
			want := updateOverhead
			for _, r := range recs {
				if !w.Add(r) {
					t.Fatalf("Add(%+v) refused", r)
				}
				want += r.Len()
			}
			n := w.Finish()
			if n != want || w.Count() != len(recs) {
				t.Fatalf("Finish = %d, Count = %d; want %d, %d", n, w.Count(), want, len(recs))
			}
			var u Update
			if err := u.Decode(b[HeaderSize:n]); err != nil {
				t.Fatal(err)
			}
			if u.Rumor() != rumor || u.Count() != len(recs) || u.Len() != n {
				t.Fatalf("Rumor %v, Count %d, Len %d; want %v, %d, %d", u.Rumor(), u.Count(), u.Len(), rumor, len(recs), n)
			}
			got := records(&u)
			if len(got) != len(recs) {
				t.Fatalf("Iter gave %d records; want %d", len(got), len(recs))
			}
			for i := range recs {
				if !sameRecord(got[i], recs[i]) {
					t.Errorf("record %d = %+v; want %+v", i, got[i], recs[i])
				}
			}
			out := make([]byte, n)
			if m, err := u.Encode(out, 10); err != nil || m != n || !bytes.Equal(out, b[:n]) {
				t.Fatalf("re-encode = %x, %v; want %x", out[:m], err, b[:n])
			}
		}
	}
}

func TestUpdateMetaAliasesTheDatagram(t *testing.T) {
	b := make([]byte, DefaultMaxMessageSize)
	w, _ := NewUpdateWriter(b, 1, true)
	w.Add(aliveA1)
	w.Add(leftE5)
	n := w.Finish()
	var u Update
	if err := u.Decode(b[HeaderSize:n]); err != nil {
		t.Fatal(err)
	}
	it := u.Iter()
	r, _ := it.Next()
	b[updateOverhead+AliveRecordLen(false, 0)] = 'Z' // the first metadata byte
	if string(r.Meta) != "Zone=eu" {
		t.Fatalf("Meta %q does not alias the datagram", r.Meta)
	}
	if cap(r.Meta) != len(r.Meta) {
		t.Fatalf("cap(Meta) = %d; appending would overwrite the next record", cap(r.Meta))
	}
}

func TestUpdateZeroValueIsEmpty(t *testing.T) {
	var u Update
	b := make([]byte, updateOverhead)
	if n, err := u.Encode(b, 3); err != nil || n != 11 || !bytes.Equal(b, datagram(TypeUpdate, 3, []byte{0}, be16(0))) {
		t.Fatalf("Encode(zero Update) = %x, %v", b, err)
	}
	it := u.Iter()
	if _, ok := it.Next(); ok || u.Count() != 0 || u.Rumor() || u.Len() != 11 {
		t.Fatal("zero Update is not an empty state Update")
	}
	var w UpdateWriter
	if w.Finish() != 0 || w.Fits(1) || w.Add(leftE5) || w.Count() != 0 {
		t.Fatal("zero UpdateWriter accepted a record")
	}
}

func TestRecordIter(t *testing.T) {
	var u Update
	if err := u.Decode(loadGoldens(t)["update_rumor"][HeaderSize:]); err != nil {
		t.Fatal(err)
	}
	want := []Record{aliveA1, aliveB2, suspectC3, failedD4, leftE5}
	first := records(&u)
	for i := range want {
		if !sameRecord(first[i], want[i]) {
			t.Errorf("record %d = %+v; want %+v", i, first[i], want[i])
		}
	}
	// Each Iter starts over, and a copied iterator goes on by itself.
	it := u.Iter()
	it.Next()
	copied := it
	for range 4 {
		it.Next()
	}
	if _, ok := it.Next(); ok {
		t.Error("Next after the last record reported a record")
	}
	if _, ok := it.Next(); ok {
		t.Error("Next after the end reported a record")
	}
	if r, ok := copied.Next(); !ok || !sameRecord(r, aliveB2) {
		t.Errorf("copied iterator: Next = %+v, %v; want the second record", r, ok)
	}
	if again := records(&u); len(again) != len(first) {
		t.Errorf("a second Iter gave %d records; want %d", len(again), len(first))
	}
	var zero RecordIter
	if _, ok := zero.Next(); ok {
		t.Error("zero RecordIter reported a record")
	}
}

func TestRecordIterPanicsOverUnvalidatedBytes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("RecordIter over an invalid record did not panic")
		}
	}()
	it := RecordIter{rest: []byte{byte(RecordLeft), 0, 0}, left: 1}
	it.Next()
}

func TestUpdateDecodeIsStrict(t *testing.T) {
	ip4 := mustHex("047f00000191021b9e")
	// head is a record's kind, id and inc; updateBody a rumor body of the
	// given records, their count first.
	head := func(kind RecordKind, id uint64, inc uint32) []byte {
		return cat([]byte{byte(kind)}, be64(id), be32(inc))
	}
	alive := cat(head(RecordAlive, 0xa1, 2), []byte{9}, ip4, []byte{2}, []byte("hi"))
	left := head(RecordLeft, 0xe5, 7)
	updateBody := func(records ...[]byte) []byte { return cat([]byte{1}, be16(uint16(len(records))), cat(records...)) }
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"no rumor", nil, "rumor", ErrShort},
		{"rumor 2", []byte{2, 0, 0}, "rumor", ErrInvalid},
		{"rumor 0xff", []byte{0xff, 0, 0}, "rumor", ErrInvalid},
		{"rumor 2 without a count", []byte{2}, "rumor", ErrInvalid},
		{"no count", []byte{1}, "count", ErrShort},
		{"half a count", []byte{0, 0}, "count", ErrShort},
		{"count 0 with a record", cat([]byte{0}, be16(0), left), "", ErrTrailing},
		{"count 1 with a record and a byte", cat(updateBody(left), []byte{0}), "", ErrTrailing},
		{"count 1 with two records", cat(updateBody(left), alive), "", ErrTrailing},
		{"count 2 with one record", cat([]byte{1}, be16(2), alive), "record.kind", ErrShort},
		{"count 65535 with one record", cat([]byte{0}, be16(0xffff), left), "record.kind", ErrShort},
		{"kind 0", updateBody(head(0, 0xa1, 1)), "record.kind", ErrInvalid},
		{"kind 5", updateBody(head(5, 0xa1, 1)), "record.kind", ErrInvalid},
		{"kind 0xff", updateBody(head(0xff, 0xa1, 1)), "record.kind", ErrInvalid},
		{"kind 0 with nothing after", updateBody([]byte{0}), "record.kind", ErrInvalid},
		{"no id", updateBody([]byte{byte(RecordLeft)}), "record.id", ErrShort},
		{"half an id", updateBody([]byte{byte(RecordLeft), 0, 0, 0, 1}), "record.id", ErrShort},
		{"id 0", updateBody(head(RecordLeft, 0, 1)), "record.id", ErrInvalid},
		{"id 0 without an inc", updateBody(cat([]byte{byte(RecordAlive)}, be64(0))), "record.id", ErrInvalid},
		{"no inc", updateBody(cat([]byte{byte(RecordSuspect)}, be64(0xa1))), "record.inc", ErrShort},
		{"half an inc", updateBody(cat([]byte{byte(RecordFailed)}, be64(0xa1), []byte{0, 1})), "record.inc", ErrShort},
		{"inc 0", updateBody(head(RecordLeft, 0xa1, 0)), "record.inc", ErrInvalid},
		{"alive inc 0", updateBody(cat(head(RecordAlive, 0xa1, 0), []byte{9}, ip4, []byte{0})), "record.inc", ErrInvalid},
		{"alive without addrLen", updateBody(head(RecordAlive, 0xa1, 1)), "record.addrLen", ErrShort},
		{"alive addrLen 0", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{0}, ip4, []byte{0})), "record.addrLen", ErrAddress},
		{"alive addrLen 65", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{65}, make([]byte, 66))), "record.addrLen", ErrAddress},
		{"alive addrLen 255", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{255})), "record.addrLen", ErrAddress},
		{"alive addr cut short", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, ip4[:8])), "record.addr", ErrShort},
		{"alive addrLen 21 for an ip4 address", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{21}, ip4)), "record.addr", ErrShort},
		{"alive addrLen 10 for an ip4 address", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{10}, ip4, []byte{0, 0})), "record.addr", ErrAddress},
		{"alive tcp address", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, mustHex("047f000001061b9e00"), []byte{0})), "record.addr", ErrAddress},
		{"alive without metaLen", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, ip4)), "record.metaLen", ErrShort},
		{"alive meta cut short", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, ip4, []byte{3}, []byte("hi"))), "record.meta", ErrShort},
		{"alive metaLen 255, no meta", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, ip4, []byte{255})), "record.meta", ErrShort},
		{"alive meta longer than metaLen", updateBody(cat(head(RecordAlive, 0xa1, 1), []byte{9}, ip4, []byte{1}, []byte("hi"))), "", ErrTrailing},
		{"suspect without from", updateBody(head(RecordSuspect, 0xc3, 4)), "record.from", ErrShort},
		{"suspect half a from", updateBody(cat(head(RecordSuspect, 0xc3, 4), []byte{0, 0, 0, 0xa1})), "record.from", ErrShort},
		{"suspect from 0", updateBody(cat(head(RecordSuspect, 0xc3, 4), be64(0))), "record.from", ErrInvalid},
		{"failed without from", updateBody(head(RecordFailed, 0xd4, 1)), "record.from", ErrShort},
		{"failed from 0", updateBody(cat(head(RecordFailed, 0xd4, 1), be64(0))), "record.from", ErrInvalid},
		{"left with a from", updateBody(cat(left, be64(0xa1))), "", ErrTrailing},
		{"second record bad kind", updateBody(alive, head(7, 1, 1)), "record.kind", ErrInvalid},
		{"second record from 0", updateBody(left, cat(head(RecordFailed, 0xd4, 1), be64(0))), "record.from", ErrInvalid},
		{"third record cut short", updateBody(alive, left, head(RecordAlive, 0xb2, 1)), "record.addrLen", ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeUpdate, 3, tt.body), TypeUpdate, tt.field, tt.err)
			var u Update
			if err := u.Decode(tt.body); err == nil || u.Count() != 0 || u.raw != nil {
				t.Errorf("Update.Decode = %v and left %+v", err, u)
			}
		})
	}
}

// TestUpdateWriterFillsExactly fills writers of several sizes with
// records of one length and checks that exactly as many fit as the
// arithmetic says, and that Fits agrees with Add at every step.
func TestUpdateWriterFillsExactly(t *testing.T) {
	tests := []struct {
		size int
		r    Record
		want int
	}{
		{DefaultMaxMessageSize, leftE5, (512 - 11) / 13},    // 38
		{DefaultMaxMessageSize, suspectC3, (512 - 11) / 21}, // 23
		{DefaultMaxMessageSize, aliveA1, (512 - 11) / 31},   // 16
		{DefaultMaxMessageSize, aliveB2, (512 - 11) / 36},   // 13
		{MinMessageSize, aliveA1, 1},
		{MinMessageSize, leftE5, 4},
		{11 + 21*5, failedD4, 5},     // exactly full
		{11 + 21*5 - 1, failedD4, 4}, // one byte short of the fifth
		{11 + 12, leftE5, 0},
		{11, leftE5, 0},
	}
	for _, tt := range tests {
		b := make([]byte, tt.size)
		w, err := NewUpdateWriter(b, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		for {
			fits := w.Fits(tt.r.Len())
			added := w.Add(tt.r)
			if fits != added {
				t.Fatalf("size %d, record %d: Fits = %v but Add = %v", tt.size, w.Count(), fits, added)
			}
			if !added {
				break
			}
		}
		if w.Count() != tt.want {
			t.Errorf("size %d, %d-byte records: %d fit; want %d", tt.size, tt.r.Len(), w.Count(), tt.want)
		}
		n := w.Finish()
		if n > tt.size || n != updateOverhead+tt.want*tt.r.Len() {
			t.Errorf("size %d: Finish = %d", tt.size, n)
		}
		var u Update
		if err := u.Decode(b[HeaderSize:n]); err != nil || u.Count() != tt.want || !u.Rumor() {
			t.Errorf("size %d: Decode = %d records (rumor %v), %v", tt.size, u.Count(), u.Rumor(), err)
		}
	}
	if _, err := NewUpdateWriter(make([]byte, 10), 1, true); err != ErrBufferTooSmall {
		t.Errorf("NewUpdateWriter(10 bytes) = %v; want ErrBufferTooSmall", err)
	}
}

// TestUpdateWriterMixedRecords adds records of different lengths: a
// smaller one may still fit after a larger one is refused, and Fits
// agrees with Add throughout.
func TestUpdateWriterMixedRecords(t *testing.T) {
	b := make([]byte, DefaultMaxMessageSize)
	w, _ := NewUpdateWriter(b, 1, false)
	var added []Record
	for i := 0; i < 200; i++ {
		r := validRecords[i%len(validRecords)]
		fits := w.Fits(r.Len())
		if ok := w.Add(r); ok != fits {
			t.Fatalf("record %d (%d bytes, %d left): Fits = %v but Add = %v", i, r.Len(), len(b)-w.n, fits, ok)
		} else if ok {
			added = append(added, r)
		}
	}
	n := w.Finish()
	if len(b)-n >= leftE5.Len() {
		t.Errorf("Finish = %d: room for another left record was not used", n)
	}
	var u Update
	if err := u.Decode(b[HeaderSize:n]); err != nil || u.Rumor() {
		t.Fatalf("Decode: %v (rumor %v)", err, u.Rumor())
	}
	got := records(&u)
	if len(got) != len(added) || w.Count() != len(added) {
		t.Fatalf("%d records decoded, Count %d; %d added", len(got), w.Count(), len(added))
	}
	for i := range got {
		if !sameRecord(got[i], added[i]) {
			t.Errorf("record %d = %+v; want %+v", i, got[i], added[i])
		}
	}
}

func TestUpdateWriterRefusesInvalidWithoutWriting(t *testing.T) {
	b := bytes.Repeat([]byte{0xee}, DefaultMaxMessageSize)
	w, _ := NewUpdateWriter(b, 1, true)
	if !w.Add(aliveA1) {
		t.Fatal("Add(aliveA1) refused")
	}
	written := slices.Clone(b)
	for _, tt := range invalidRecords {
		if w.Add(tt.r) {
			t.Errorf("%s: Add accepted an unencodable record", tt.name)
		}
		if w.Fits(tt.r.Len()) {
			t.Errorf("%s: Fits(Len()) = true for an unencodable record", tt.name)
		}
	}
	if !bytes.Equal(b, written) {
		t.Fatal("refused Adds wrote into the buffer")
	}
	if w.Count() != 1 || w.Finish() != updateOverhead+aliveA1.Len() {
		t.Fatalf("refused Adds changed the writer: count %d", w.Count())
	}
	for _, n := range []int{0, -1} {
		if w.Fits(n) {
			t.Errorf("Fits(%d) = true", n)
		}
	}
}

func TestUpdateWriterCapsCountAt65535(t *testing.T) {
	b := make([]byte, updateOverhead+13*65536)
	w, _ := NewUpdateWriter(b, 1, false)
	for w.Add(leftE5) {
	}
	if w.Count() != 65535 {
		t.Fatalf("Count = %d; want 65535", w.Count())
	}
	if w.Fits(leftE5.Len()) {
		t.Error("Fits = true with 65535 records")
	}
	n := w.Finish()
	var u Update
	if err := u.Decode(b[HeaderSize:n]); err != nil || u.Count() != 65535 {
		t.Fatalf("Decode = %d, %v", u.Count(), err)
	}
}

// TestNewUpdateWriterWritesTheHeader checks the bytes a writer sets
// before any record: header, rumor byte and, on Finish, the count.
func TestNewUpdateWriterWritesTheHeader(t *testing.T) {
	for _, rumor := range []bool{false, true} {
		b := bytes.Repeat([]byte{0xee}, updateOverhead)
		w, err := NewUpdateWriter(b, 0x01020304, rumor)
		if err != nil {
			t.Fatal(err)
		}
		r := byte(0)
		if rumor {
			r = 1
		}
		if n := w.Finish(); n != updateOverhead || !bytes.Equal(b, datagram(TypeUpdate, 0x01020304, []byte{r}, be16(0))) {
			t.Errorf("rumor %v: empty Update = %x (%d bytes)", rumor, b, n)
		}
	}
}
