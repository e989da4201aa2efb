package message

import (
	"bytes"
	"testing"
)

// ProbeRequest's member field is tested with the other member messages
// (memberMessages in member_test.go); these tests cover what is its own.

func TestProbeRequestLenAndDecode(t *testing.T) {
	for _, target := range []Member{memberA1, memberB2} {
		p := ProbeRequest{Target: target}
		b := make([]byte, 64)
		n, err := p.Encode(b, 11)
		if err != nil || n != p.Len() || n != HeaderSize+target.Len() {
			t.Fatalf("Encode(%+v) = %d, %v; Len %d", target, n, err, p.Len())
		}
		var got ProbeRequest
		if err := got.Decode(b[HeaderSize:n]); err != nil || got.Target != target {
			t.Fatalf("Decode = %+v, %v", got, err)
		}
		// A failed Decode leaves the target alone.
		if err := got.Decode(b[HeaderSize : n-1]); err == nil || got.Target != target {
			t.Fatalf("Decode of a cut body = %v and changed the target to %+v", err, got.Target)
		}
	}
	wantDecodeError(t, datagram(TypeProbeRequest, 11, be64(0xb2), []byte{9}, mustHex("047f00000191021b9e"), []byte{0}),
		TypeProbeRequest, "", ErrTrailing)
}

func TestProbeResultRoundTrip(t *testing.T) {
	for _, p := range []ProbeResult{
		{RequestSeq: 11, Target: 0xb2, Reached: true},
		{RequestSeq: 11, Target: 0xb2},
		{RequestSeq: 0, Target: 1, Reached: true},
		{RequestSeq: ^uint32(0), Target: ^uint64(0)},
	} {
		b := make([]byte, p.Len())
		n, err := p.Encode(b, 12)
		if err != nil || n != 21 || p.Len() != 21 {
			t.Fatalf("Encode(%+v) = %d, %v", p, n, err)
		}
		var got ProbeResult
		if err := got.Decode(b[HeaderSize:n]); err != nil || got != p {
			t.Fatalf("round trip of %+v gave %+v, %v", p, got, err)
		}
		var m Message
		if err := Decode(b, &m); err != nil || m.ProbeResult != p || m.Header != (Header{Type: TypeProbeResult, Seq: 12}) {
			t.Fatalf("Decode = %+v, %v", m, err)
		}
	}
}

func TestProbeResultDecodeIsStrict(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"empty", nil, "requestSeq", ErrShort},
		{"three bytes of requestSeq", []byte{0, 0, 11}, "requestSeq", ErrShort},
		{"no target", be32(11), "target", ErrShort},
		{"half a target", cat(be32(11), be32(0xb2)), "target", ErrShort},
		{"target 0", cat(be32(11), be64(0), []byte{1}), "target", ErrInvalid},
		{"target 0 without reached", cat(be32(11), be64(0)), "target", ErrInvalid},
		{"no reached", cat(be32(11), be64(0xb2)), "reached", ErrShort},
		{"reached 2", cat(be32(11), be64(0xb2), []byte{2}), "reached", ErrInvalid},
		{"reached 0xff", cat(be32(11), be64(0xb2), []byte{0xff}), "reached", ErrInvalid},
		{"reached 2 and a byte", cat(be32(11), be64(0xb2), []byte{2, 0}), "reached", ErrInvalid},
		{"a byte after reached", cat(be32(11), be64(0xb2), []byte{1, 0}), "", ErrTrailing},
		{"a byte after a nack", cat(be32(11), be64(0xb2), []byte{0, 1}), "", ErrTrailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeProbeResult, 12, tt.body), TypeProbeResult, tt.field, tt.err)
			p := ProbeResult{RequestSeq: 1, Target: 2, Reached: true}
			if err := p.Decode(tt.body); err == nil || p != (ProbeResult{RequestSeq: 1, Target: 2, Reached: true}) {
				t.Errorf("ProbeResult.Decode = %v and changed it to %+v", err, p)
			}
		})
	}
}

func TestProbeResultEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		p    ProbeResult
		buf  int
		err  error
	}{
		{"target 0", ProbeResult{RequestSeq: 11, Reached: true}, 64, ErrInvalid},
		{"target 0, small buffer", ProbeResult{RequestSeq: 11}, 4, ErrInvalid},
		{"buffer one short", ProbeResult{RequestSeq: 11, Target: 0xb2, Reached: true}, 20, ErrBufferTooSmall},
		{"empty buffer", ProbeResult{Target: 0xb2}, 0, ErrBufferTooSmall},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xee}, tt.buf)
		if n, err := tt.p.Encode(b, 12); n != 0 || err != tt.err {
			t.Errorf("%s: Encode = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		m := Message{Header: Header{Type: TypeProbeResult, Seq: 12}, ProbeResult: tt.p}
		if n, err := Encode(b, &m); n != 0 || err != tt.err {
			t.Errorf("%s: Encode(Message) = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		if bytes.Count(b, []byte{0xee}) != len(b) {
			t.Errorf("%s: failed Encode wrote into the buffer", tt.name)
		}
	}
}
