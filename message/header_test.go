package message

import (
	"bytes"
	"testing"
)

func TestTypeString(t *testing.T) {
	tests := []struct {
		t    Type
		want string
	}{
		{TypeHello, "Hello"}, {TypeWelcome, "Welcome"}, {TypeMemberList, "MemberList"},
		{TypeAck, "Ack"}, {TypeData, "Data"}, {TypeStatus, "Status"}, {TypeLeave, "Leave"},
		{TypeSealed, "Sealed"}, {TypeJoin, "Join"}, {TypeUpdate, "Update"},
		{TypeProbeRequest, "ProbeRequest"}, {TypeProbeResult, "ProbeResult"}, {TypeDigest, "Digest"},
		{TypeCopy, "Copy"}, {0, "Type(0)"}, {15, "Type(15)"}, {0xffff, "Type(65535)"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("Type(%d).String() = %q; want %q", uint16(tt.t), got, tt.want)
		}
	}
}

func TestTypeValuesAreWireProtocol(t *testing.T) {
	// Append only: these numbers are on the wire.
	got := []Type{TypeHello, TypeWelcome, TypeMemberList, TypeAck, TypeData, TypeStatus, TypeLeave, TypeSealed,
		TypeJoin, TypeUpdate, TypeProbeRequest, TypeProbeResult, TypeDigest, TypeCopy}
	for i, typ := range got {
		if typ != Type(i+1) {
			t.Errorf("%v = %d; want %d", typ, uint16(typ), i+1)
		}
	}
}

func TestTypeIsExtension(t *testing.T) {
	for typ := Type(0); typ <= 15; typ++ {
		if got, want := typ.IsExtension(), typ >= TypeJoin; got != want {
			t.Errorf("%v.IsExtension() = %v; want %v", typ, got, want)
		}
	}
	if !Type(0xffff).IsExtension() {
		t.Error("Type(65535).IsExtension() = false; every type above Sealed is an extension")
	}
}

// TestParseHeaderKnowsTheExtensionTypes checks the boundary of the known
// types: 14 is the last one, 15 is unknown.
func TestParseHeaderKnowsTheExtensionTypes(t *testing.T) {
	for _, typ := range []Type{TypeJoin, TypeUpdate, TypeProbeRequest, TypeProbeResult, TypeDigest, TypeCopy} {
		b := make([]byte, HeaderSize)
		PutHeader(b, typ, 3)
		if h, body, err := ParseHeader(b); err != nil || h.Type != typ || len(body) != 0 {
			t.Errorf("ParseHeader(%v) = %+v, %x, %v", typ, h, body, err)
		}
	}
	b := make([]byte, HeaderSize)
	PutHeader(b, 15, 3)
	if _, _, err := ParseHeader(b); err != errHeaderType {
		t.Errorf("ParseHeader(type 15) = %v; want header.type unknown", err)
	}
}

func TestPutHeaderParseHeaderRoundTrip(t *testing.T) {
	b := make([]byte, 12)
	PutHeader(b, TypeStatus, 0xdeadbeef)
	if want := []byte{0, 6, 1, 0, 0xde, 0xad, 0xbe, 0xef}; !bytes.Equal(b[:8], want) {
		t.Fatalf("PutHeader wrote %x; want %x", b[:8], want)
	}
	h, body, err := ParseHeader(b)
	if err != nil || h != (Header{Type: TypeStatus, Seq: 0xdeadbeef}) || len(body) != 4 {
		t.Fatalf("ParseHeader = %+v, %x, %v", h, body, err)
	}
}

func TestParseHeaderRejectsShortHeader(t *testing.T) {
	b := []byte{0, 1, 1, 0, 0, 0, 0, 7}
	for n := range len(b) {
		if _, _, err := ParseHeader(b[:n]); err != errHeaderShort {
			t.Errorf("ParseHeader of %d bytes = %v; want header short", n, err)
		}
	}
}

func TestPutSeqRewritesOnlyTheSeq(t *testing.T) {
	b := make([]byte, 64)
	n, err := (&Data{Origin: 1, OriginSeq: 1, Payload: []byte("x")}).Encode(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(b[:n])
	PutSeq(b[:n], 0x01020304)
	if SeqOf(b[:n]) != 0x01020304 {
		t.Fatalf("SeqOf = %#x", SeqOf(b[:n]))
	}
	if !bytes.Equal(b[:4], before[:4]) || !bytes.Equal(b[8:n], before[8:]) {
		t.Fatalf("PutSeq touched more than bytes 4..7: %x -> %x", before, b[:n])
	}
}

func TestLimits(t *testing.T) {
	if DataOverhead != 22 || StatusRecordSize != 12 || HeaderSize != 8 {
		t.Fatal("size constants disagree with wire-format.md")
	}
	for _, tt := range []struct{ size, payload, records int }{
		{DefaultMaxMessageSize, 490, 41},
		{MinMessageSize, 42, 4},
		{MaxMessageSizeLimit, 65485, 5458},
		{100000, 65535, 8332},
		{22, 0, 1},
		{10, 0, 0},
		{0, 0, 0},
		{-5, 0, 0},
	} {
		if got := MaxDataPayload(tt.size); got != tt.payload {
			t.Errorf("MaxDataPayload(%d) = %d; want %d", tt.size, got, tt.payload)
		}
		if got := MaxStatusRecords(tt.size); got != tt.records {
			t.Errorf("MaxStatusRecords(%d) = %d; want %d", tt.size, got, tt.records)
		}
	}
}
