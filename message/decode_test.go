package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// datagram builds a version 1 datagram of type t from body parts.
func datagram(t Type, seq uint32, body ...[]byte) []byte {
	b := make([]byte, HeaderSize)
	PutHeader(b, t, seq)
	for _, part := range body {
		b = append(b, part...)
	}
	return b
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// wantDecodeError checks that Decode rejects b with a *DecodeError of the
// given type, field and sentinel, leaves the Message unchanged, and that
// the reference decoder agrees.
func wantDecodeError(t *testing.T, b []byte, typ Type, field string, sentinel error) {
	t.Helper()
	m := Message{Header: Header{Type: TypeAck, Seq: 99}, Ack: Ack{AckedSeq: 42}}
	before := m
	err := Decode(b, &m)
	var de *DecodeError
	if !errors.As(err, &de) || de.Type != typ || de.Field != field || !errors.Is(err, sentinel) {
		t.Errorf("Decode(%x) = %v; want %v.%s: %v", b, err, typ, field, sentinel)
	}
	if !reflect.DeepEqual(m, before) {
		t.Errorf("Decode(%x) changed the message on error: %+v", b, m)
	}
	if d := checkAgainstReference(b); d != "" {
		t.Errorf("reference disagrees on %x: %s", b, d)
	}
}

func TestDecodeRejectsEveryTruncation(t *testing.T) {
	names, wires := sortedGoldens(t)
	for i, b := range wires {
		for n := range len(b) {
			var m Message
			err := Decode(b[:n], &m)
			var de *DecodeError
			if !errors.Is(err, ErrShort) || !errors.As(err, &de) {
				t.Errorf("%s cut to %d bytes: %v; want a DecodeError wrapping ErrShort", names[i], n, err)
			}
		}
	}
}

func TestDecodeRejectsTrailingByte(t *testing.T) {
	_, wires := sortedGoldens(t)
	for _, b := range wires {
		for _, extra := range []byte{0x00, 0xff} {
			wantDecodeError(t, append(slices.Clip(b), extra), Type(binary.BigEndian.Uint16(b)), "", ErrTrailing)
		}
	}
}

func TestDecodeRejectsHeaderFields(t *testing.T) {
	_, wires := sortedGoldens(t)
	for _, b := range wires {
		set := func(off int, v ...byte) []byte {
			c := slices.Clone(b)
			copy(c[off:], v)
			return c
		}
		for _, v := range []byte{0, 2, 0xff} {
			wantDecodeError(t, set(2, v), 0, "header.version", ErrVersion)
		}
		for _, v := range []byte{1, 0x80, 0xff} {
			wantDecodeError(t, set(3, v), 0, "header.flags", ErrFlags)
		}
		for _, v := range []uint16{0, 15, 0xffff} {
			wantDecodeError(t, set(0, be16(v)...), 0, "header.type", ErrUnknownType)
		}
		// The version is checked before the type: it decides the layout.
		wantDecodeError(t, set(0, 0, 15, 2), 0, "header.version", ErrVersion)
	}
}

func TestDecodeSealedIsNotOpened(t *testing.T) {
	b := datagram(TypeSealed, 0, make([]byte, 40))
	b[3] = 0x5a // a sealed datagram's byte 3 is its key id, not flags
	h, body, err := ParseHeader(b)
	if err != nil || h.Type != TypeSealed || len(body) != 40 {
		t.Fatalf("ParseHeader(sealed) = %+v, %d bytes, %v", h, len(body), err)
	}
	var m Message
	if err := Decode(b, &m); err != ErrSealed {
		t.Fatalf("Decode(sealed) = %v; want ErrSealed", err)
	}
	if d := checkAgainstReference(b); d != "" {
		t.Fatal(d)
	}
	if _, err := Encode(make([]byte, 64), &Message{Header: Header{Type: TypeSealed}}); err != ErrSealed {
		t.Fatalf("Encode(sealed) = %v; want ErrSealed", err)
	}
}

func TestEncodeUnknownType(t *testing.T) {
	for _, typ := range []Type{0, 15, 0xffff} {
		if _, err := Encode(make([]byte, 64), &Message{Header: Header{Type: typ}}); err != ErrUnknownType {
			t.Errorf("Encode(type %d) = %v; want ErrUnknownType", typ, err)
		}
	}
}

func TestEncodeBufferTooSmallWritesNothing(t *testing.T) {
	names, wires := sortedGoldens(t)
	for i, b := range wires {
		var m Message
		if err := Decode(b, &m); err != nil {
			t.Fatal(err)
		}
		out := bytes.Repeat([]byte{0xee}, len(b)-1)
		if n, err := Encode(out, &m); n != 0 || err != ErrBufferTooSmall {
			t.Errorf("%s: Encode into %d bytes = %d, %v; want ErrBufferTooSmall", names[i], len(out), n, err)
		}
		if !bytes.Equal(out, bytes.Repeat([]byte{0xee}, len(b)-1)) {
			t.Errorf("%s: failed Encode wrote %x", names[i], out)
		}
	}
}

func TestDecodeClearsOtherFields(t *testing.T) {
	goldens := loadGoldens(t)
	var m Message
	if err := Decode(goldens["data"], &m); err != nil {
		t.Fatal(err)
	}
	if err := Decode(goldens["ack"], &m); err != nil {
		t.Fatal(err)
	}
	if m.Data.Payload != nil || m.Data.Origin != 0 {
		t.Fatalf("Decode left the previous Data in place: %+v", m.Data)
	}

	// After every golden decoded over every other, only the field its type
	// selects is set. Message's body fields are named after their types.
	names, wires := sortedGoldens(t)
	for i, prev := range wires {
		for j, b := range wires {
			var m Message
			if err := Decode(prev, &m); err != nil {
				t.Fatal(err)
			}
			if err := Decode(b, &m); err != nil {
				t.Fatal(err)
			}
			v := reflect.ValueOf(m)
			for f := range v.NumField() {
				name := v.Type().Field(f).Name
				if name == "Header" || name == m.Header.Type.String() {
					continue
				}
				if !v.Field(f).IsZero() {
					t.Errorf("%s decoded after %s: %s = %+v; want zero", names[j], names[i], name, v.Field(f))
				}
			}
		}
	}
}

// TestMessageHasAFieldPerType keeps Message in step with the known types:
// one body field, named after it, for each type but Sealed.
func TestMessageHasAFieldPerType(t *testing.T) {
	typ := reflect.TypeFor[Message]()
	for ty := TypeHello; ty.known(); ty++ {
		_, ok := typ.FieldByName(ty.String())
		if ok == (ty == TypeSealed) {
			t.Errorf("Message field %s: present %v", ty, ok)
		}
	}
	if n := typ.NumField(); n != 1+int(TypeCopy)-1 {
		t.Errorf("Message has %d fields; want the header and one per type but Sealed", n)
	}
}

func TestDecodeDoesNotWriteItsInput(t *testing.T) {
	_, wires := sortedGoldens(t)
	for _, b := range wires {
		c := slices.Clone(b)
		var m Message
		_ = Decode(b, &m)
		_ = Describe(b)
		if !bytes.Equal(b, c) {
			t.Fatalf("Decode modified its input")
		}
	}
}

func TestDecodeErrorText(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errWelcomeMember.addrLenBad, "message: Welcome.member.addrLen: address invalid"},
		{errHeaderVersion, "message: header.version: unsupported version"},
		{errHeaderShort, "message: header: datagram too short"},
		{errHelloTrailing, "message: Hello: trailing bytes"},
		{dataErrs.payloadShort, "message: Data.payload: datagram too short"},
		{errStatusIDZero, "message: Status.record.id: invalid value"},
		{errJoinRecord.addrLenBad, "message: Join.addrLen: address invalid"},
		{errJoinRecord.metaShort, "message: Join.meta: datagram too short"},
		{errJoinTrailing, "message: Join: trailing bytes"},
		{errUpdateRumorBad, "message: Update.rumor: invalid value"},
		{errUpdateRecord.kindBad, "message: Update.record.kind: invalid value"},
		{errUpdateRecord.fromZero, "message: Update.record.from: invalid value"},
		{errProbeRequestTarget.idZero, "message: ProbeRequest.member.id: invalid value"},
		{errProbeResultReachedV, "message: ProbeResult.reached: invalid value"},
		{errDigestAnswerBad, "message: Digest.answer: invalid value"},
		{errDigestBitsShort, "message: Digest.bits: datagram too short"},
		{errDigestBuckets, "message: Digest.bucket: datagram too short"},
		{errDigestTrailing, "message: Digest: trailing bytes"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
	if !errors.Is(dataErrs.originZero, ErrInvalid) || errors.Is(dataErrs.originZero, ErrShort) {
		t.Error("DecodeError does not unwrap to its own sentinel only")
	}
}
