package message

import (
	"net/netip"
	"slices"
	"testing"
)

func TestMemberListRoundTrip(t *testing.T) {
	for _, members := range [][]Member{
		{},
		{memberA1},
		{memberA1, memberB2, memberC3},
		{{ID: 7, Addr: netip.MustParseAddrPort("[::ffff:1.2.3.4]:5")}},
	} {
		b := make([]byte, DefaultMaxMessageSize)
		w, err := NewMemberListWriter(b, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if !w.Add(m) {
				t.Fatalf("Add(%+v) refused", m)
			}
		}
		if w.Count() != len(members) {
			t.Fatalf("Count = %d; want %d", w.Count(), len(members))
		}
		n := w.Finish()
		var list MemberList
		if err := list.Decode(b[HeaderSize:n]); err != nil {
			t.Fatal(err)
		}
		if got := list.AppendTo(nil); list.Count() != len(members) || !slices.Equal(got, members) {
			t.Fatalf("decoded %v (count %d); want %v", got, list.Count(), members)
		}
		if list.Len() != n {
			t.Fatalf("Len = %d; want %d", list.Len(), n)
		}
		out := make([]byte, n)
		if m, err := list.Encode(out, 3); err != nil || m != n || string(out) != string(b[:n]) {
			t.Fatalf("re-encode = %x, %v; want %x", out[:m], err, b[:n])
		}
	}
}

func TestMemberListZeroValueIsEmpty(t *testing.T) {
	var list MemberList
	b := make([]byte, 10)
	if n, err := list.Encode(b, 1); err != nil || n != 10 || string(b) != string(datagram(TypeMemberList, 1, be16(0))) {
		t.Fatalf("Encode(zero MemberList) = %x, %v", b, err)
	}
	it := list.Iter()
	if _, ok := it.Next(); ok || list.Count() != 0 {
		t.Fatal("zero MemberList is not empty")
	}
	var w MemberListWriter
	if w.Finish() != 0 || w.Add(memberA1) {
		t.Fatal("zero MemberListWriter accepted a member")
	}
}

func TestMemberListDecodeIsStrict(t *testing.T) {
	a1 := cat(be64(0xa1), []byte{9}, mustHex("047f00000191021b9e"))
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"no count", []byte{0}, "count", ErrShort},
		{"count 0 with a member", cat(be16(0), a1), "", ErrTrailing},
		{"count 1 with two members", cat(be16(1), a1, a1), "", ErrTrailing},
		{"count 2 with one member", cat(be16(2), a1), "member.id", ErrShort},
		{"count 65535 with one member", cat(be16(0xffff), a1), "member.id", ErrShort},
		{"second member bad", cat(be16(2), a1, be64(0xb2), []byte{0}), "member.addrLen", ErrAddress},
		{"second member id 0", cat(be16(2), a1, be64(0), []byte{9}), "member.id", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeMemberList, 3, tt.body), TypeMemberList, tt.field, tt.err)
		})
	}
}

func TestMemberListWriterStopsAtTheSizeLimit(t *testing.T) {
	tests := []struct {
		size   int
		member Member
		want   int
	}{
		{DefaultMaxMessageSize, memberA1, (512 - 10) / 18}, // 27
		{DefaultMaxMessageSize, memberB2, (512 - 10) / 30}, // 16
		{MinMessageSize, memberA1, 3},
		{10 + 18*5, memberA1, 5},     // exactly full
		{10 + 18*5 - 1, memberA1, 4}, // one byte short of the fifth
		{10, memberA1, 0},
	}
	for _, tt := range tests {
		b := make([]byte, tt.size)
		w, err := NewMemberListWriter(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		for w.Add(tt.member) {
		}
		if w.Count() != tt.want {
			t.Errorf("size %d, %d-byte members: %d fit; want %d", tt.size, tt.member.Len(), w.Count(), tt.want)
		}
		n := w.Finish()
		if n > tt.size || n != 10+tt.want*tt.member.Len() {
			t.Errorf("size %d: Finish = %d", tt.size, n)
		}
		var list MemberList
		if err := list.Decode(b[HeaderSize:n]); err != nil || list.Count() != tt.want {
			t.Errorf("size %d: Decode = %d members, %v", tt.size, list.Count(), err)
		}
	}
	if _, err := NewMemberListWriter(make([]byte, 9), 1); err != ErrBufferTooSmall {
		t.Errorf("NewMemberListWriter(9 bytes) = %v; want ErrBufferTooSmall", err)
	}
}

func TestMemberListWriterRefusesWithoutWriting(t *testing.T) {
	b := make([]byte, DefaultMaxMessageSize)
	w, _ := NewMemberListWriter(b, 1)
	w.Add(memberA1)
	for _, m := range []Member{
		{ID: 0, Addr: addr4},
		{ID: 1},
		{ID: 1, Addr: netip.MustParseAddrPort("[fe80::1%eth0]:1")},
	} {
		if w.Add(m) {
			t.Errorf("Add(%+v) accepted an unencodable member", m)
		}
	}
	if w.Count() != 1 || w.Finish() != 28 {
		t.Fatalf("refused Adds changed the writer: count %d", w.Count())
	}
}

func TestMemberListWriterCapsCountAt65535(t *testing.T) {
	b := make([]byte, 10+18*65536)
	w, _ := NewMemberListWriter(b, 1)
	for w.Add(memberA1) {
	}
	if w.Count() != 65535 {
		t.Fatalf("Count = %d; want 65535", w.Count())
	}
	n := w.Finish()
	var list MemberList
	if err := list.Decode(b[HeaderSize:n]); err != nil || list.Count() != 65535 {
		t.Fatalf("Decode = %d, %v", list.Count(), err)
	}
}
