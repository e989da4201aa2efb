package message

import "testing"

func TestAck(t *testing.T) {
	for _, acked := range []uint32{0, 1, 7, ^uint32(0)} {
		a := Ack{AckedSeq: acked}
		b := make([]byte, a.Len())
		n, err := a.Encode(b, 4)
		if err != nil || n != 12 {
			t.Fatalf("Encode = %d, %v", n, err)
		}
		var m Message
		if err := Decode(b, &m); err != nil || m.Ack != a || m.Header != (Header{TypeAck, 4}) {
			t.Fatalf("round trip of %+v: %+v, %v", a, m, err)
		}
	}
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"no body", nil, "ackedSeq", ErrShort},
		{"3 bytes", []byte{0, 0, 7}, "ackedSeq", ErrShort},
		{"5 bytes", []byte{0, 0, 0, 7, 0}, "", ErrTrailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeAck, 4, tt.body), TypeAck, tt.field, tt.err)
		})
	}
}

func TestWelcomeFields(t *testing.T) {
	w := Welcome{HelloSeq: 0xfffffffe, Member: memberB2}
	b := make([]byte, w.Len())
	if n, err := w.Encode(b, 9); err != nil || n != 8+4+30 {
		t.Fatalf("Encode = %d, %v", n, err)
	}
	var got Welcome
	if err := got.Decode(b[HeaderSize:]); err != nil || got != w {
		t.Fatalf("Decode = %+v, %v; want %+v", got, err, w)
	}
	wantDecodeError(t, datagram(TypeWelcome, 9, []byte{0, 0, 7}), TypeWelcome, "helloSeq", ErrShort)
	wantDecodeError(t, datagram(TypeWelcome, 9, be32(7)), TypeWelcome, "member.id", ErrShort)
}
