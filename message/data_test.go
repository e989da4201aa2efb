package message

import (
	"bytes"
	"testing"
)

func TestDataRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{nil, {}, []byte("hello"), bytes.Repeat([]byte{0xab}, 490)} {
		d := Data{Origin: 0xa1, OriginSeq: 1, Payload: payload}
		b := make([]byte, DefaultMaxMessageSize)
		n, err := d.Encode(b, 5)
		if err != nil || n != DataOverhead+len(payload) || n != d.Len() {
			t.Fatalf("Encode(%d-byte payload) = %d, %v", len(payload), n, err)
		}
		var got Data
		if err := got.Decode(b[HeaderSize:n]); err != nil {
			t.Fatal(err)
		}
		if got.Origin != d.Origin || got.OriginSeq != d.OriginSeq || !bytes.Equal(got.Payload, payload) {
			t.Fatalf("round trip: %+v; want %+v", got, d)
		}
	}
}

func TestDataPayloadAliasesTheDatagram(t *testing.T) {
	b := datagram(TypeData, 5, be64(0xa1), be32(1), be16(3), []byte("abc"), []byte("spare capacity"))
	b = b[:DataOverhead+3]
	var d Data
	if err := d.Decode(b[HeaderSize:]); err != nil {
		t.Fatal(err)
	}
	b[DataOverhead] = 'X'
	if string(d.Payload) != "Xbc" {
		t.Fatalf("Payload %q does not alias the datagram", d.Payload)
	}
	if cap(d.Payload) != 3 {
		t.Fatalf("cap(Payload) = %d; appending would overwrite the receive buffer", cap(d.Payload))
	}
}

func TestDataDecodeIsStrict(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"origin 0", cat(be64(0), be32(1), be16(0)), "origin", ErrInvalid},
		{"originSeq 0", cat(be64(0xa1), be32(0), be16(0)), "originSeq", ErrInvalid},
		{"len larger than the payload", cat(be64(0xa1), be32(1), be16(6), []byte("hello")), "payload", ErrShort},
		{"len smaller than the payload", cat(be64(0xa1), be32(1), be16(4), []byte("hello")), "", ErrTrailing},
		{"len 0 with a payload", cat(be64(0xa1), be32(1), be16(0), []byte("h")), "", ErrTrailing},
		{"len 65535, 5 bytes", cat(be64(0xa1), be32(1), be16(0xffff), []byte("hello")), "payload", ErrShort},
		{"no len", cat(be64(0xa1), be32(1), []byte{0}), "len", ErrShort},
		{"no originSeq", cat(be64(0xa1), []byte{0, 0, 1}), "originSeq", ErrShort},
		{"no origin", []byte{0, 0, 0, 0, 0, 0, 0}, "origin", ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeData, 5, tt.body), TypeData, tt.field, tt.err)
		})
	}
}

func TestDataEncodeRefuses(t *testing.T) {
	big := make([]byte, 1<<17)
	tests := []struct {
		name string
		d    Data
		buf  int
		err  error
	}{
		{"origin 0", Data{Origin: 0, OriginSeq: 1}, 64, ErrInvalid},
		{"originSeq 0", Data{Origin: 1, OriginSeq: 0}, 64, ErrInvalid},
		{"payload of 65536", Data{Origin: 1, OriginSeq: 1, Payload: big[:65536]}, len(big), ErrPayloadTooLarge},
		{"buffer one short", Data{Origin: 1, OriginSeq: 1, Payload: []byte("hello")}, 26, ErrBufferTooSmall},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xee}, tt.buf)
		if n, err := tt.d.Encode(b, 1); n != 0 || err != tt.err {
			t.Errorf("%s: Encode = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		if bytes.Count(b, []byte{0xee}) != len(b) {
			t.Errorf("%s: failed Encode wrote into the buffer", tt.name)
		}
	}
	// The largest payload the length field can carry still encodes.
	d := Data{Origin: 1, OriginSeq: 1, Payload: big[:65535]}
	if n, err := d.Encode(make([]byte, DataOverhead+65535), 1); err != nil || n != DataOverhead+65535 {
		t.Fatalf("Encode(65535-byte payload) = %d, %v", n, err)
	}
}

func TestMaxDataPayloadFillsTheDatagram(t *testing.T) {
	for _, size := range []int{MinMessageSize, DefaultMaxMessageSize, 1500, MaxMessageSizeLimit} {
		d := Data{Origin: 1, OriginSeq: 1, Payload: make([]byte, MaxDataPayload(size))}
		if n, err := d.Encode(make([]byte, size), 1); err != nil || n != size {
			t.Errorf("size %d: Encode = %d, %v; want exactly %d", size, n, err, size)
		}
		d.Payload = append(d.Payload, 0)
		if _, err := d.Encode(make([]byte, size), 1); err != ErrBufferTooSmall {
			t.Errorf("size %d: one more byte: %v; want ErrBufferTooSmall", size, err)
		}
	}
}
