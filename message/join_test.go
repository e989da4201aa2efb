package message

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestJoinRoundTrip(t *testing.T) {
	for _, r := range []Record{
		{ID: 0xa1, Inc: 1, Addr: addr4, Meta: []byte("zone=eu")},
		{ID: 0xb2, Inc: 3, Addr: addr6},
		{ID: ^uint64(0), Inc: ^uint32(0), Addr: netip.MustParseAddrPort("[::ffff:10.0.0.1]:65535"), Meta: bytes.Repeat([]byte{0xab}, MaxMetaLen)},
		{ID: 1, Inc: 1, Addr: netip.MustParseAddrPort("0.0.0.0:0"), Meta: []byte{}},
		// Encode ignores the kind and the fields of other kinds.
		{Kind: RecordLeft, ID: 7, Inc: 2, Addr: addr4b, Meta: []byte("x"), From: 0xa1},
	} {
		j := Join{Record: r}
		b := make([]byte, DefaultMaxMessageSize)
		n, err := j.Encode(b, 9)
		alive := r
		alive.Kind = RecordAlive
		if err != nil || n != j.Len() || n != HeaderSize+alive.Len()-1 {
			t.Fatalf("Encode(%+v) = %d, %v; Len %d", r, n, err, j.Len())
		}
		var got Join
		if err := got.Decode(b[HeaderSize:n]); err != nil {
			t.Fatal(err)
		}
		if !sameRecord(got.Record, alive) {
			t.Errorf("round trip of %+v gave %+v", r, got.Record)
		}
		var m Message
		if err := Decode(b[:n], &m); err != nil || m.Header != (Header{Type: TypeJoin, Seq: 9}) || !sameRecord(m.Join.Record, alive) {
			t.Errorf("Decode = %+v, %v", m, err)
		}
	}
}

func TestJoinMetaAliasesTheDatagram(t *testing.T) {
	b := loadGoldens(t)["join_ip4"]
	b = append(b[:len(b):len(b)], "spare"...)[:len(b)]
	var j Join
	if err := j.Decode(b[HeaderSize:]); err != nil {
		t.Fatal(err)
	}
	b[len(b)-7] = 'Z'
	if string(j.Record.Meta) != "Zone=eu" {
		t.Fatalf("Meta %q does not alias the datagram", j.Record.Meta)
	}
	if cap(j.Record.Meta) != len(j.Record.Meta) {
		t.Fatalf("cap(Meta) = %d; appending would overwrite the receive buffer", cap(j.Record.Meta))
	}
}

func TestJoinDecodeIsStrict(t *testing.T) {
	ip4 := mustHex("047f00000191021b9e")
	ip6 := mustHex("29" + "00000000000000000000000000000001" + "91021b9f")
	idInc := cat(be64(0xa1), be32(1))
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"empty", nil, "id", ErrShort},
		{"half an id", be32(0xa1), "id", ErrShort},
		{"id 0", cat(be64(0), be32(1), []byte{9}, ip4, []byte{0}), "id", ErrInvalid},
		{"id 0 without an inc", be64(0), "id", ErrInvalid},
		{"no inc", be64(0xa1), "inc", ErrShort},
		{"half an inc", cat(be64(0xa1), []byte{0, 0, 1}), "inc", ErrShort},
		{"inc 0", cat(be64(0xa1), be32(0), []byte{9}, ip4, []byte{0}), "inc", ErrInvalid},
		{"no addrLen", idInc, "addrLen", ErrShort},
		{"addrLen 0", cat(idInc, []byte{0}, ip4, []byte{0}), "addrLen", ErrAddress},
		{"addrLen 65", cat(idInc, []byte{65}, make([]byte, 66)), "addrLen", ErrAddress},
		{"addrLen 255", cat(idInc, []byte{255}), "addrLen", ErrAddress},
		{"addr cut short", cat(idInc, []byte{21}, ip6[:20]), "addr", ErrShort},
		{"addrLen beyond the datagram", cat(idInc, []byte{64}, ip4, []byte{0}), "addr", ErrShort},
		{"addrLen 9 for an ip6 address", cat(idInc, []byte{9}, ip6[:9], []byte{0}), "addr", ErrAddress},
		{"addrLen 21 for an ip4 address", cat(idInc, []byte{21}, ip4, make([]byte, 12), []byte{0}), "addr", ErrAddress},
		{"tcp address", cat(idInc, []byte{9}, mustHex("047f000001061b9e00"), []byte{0}), "addr", ErrAddress},
		{"no metaLen", cat(idInc, []byte{9}, ip4), "metaLen", ErrShort},
		{"meta cut short", cat(idInc, []byte{9}, ip4, []byte{7}, []byte("zone=e")), "meta", ErrShort},
		{"metaLen 255, no meta", cat(idInc, []byte{9}, ip4, []byte{255}), "meta", ErrShort},
		{"a byte after the meta", cat(idInc, []byte{9}, ip4, []byte{2}, []byte("hi!")), "", ErrTrailing},
		{"a byte after metaLen 0", cat(idInc, []byte{9}, ip4, []byte{0, 0}), "", ErrTrailing},
		{"a kind byte in front", cat([]byte{byte(RecordAlive)}, idInc, []byte{9}, ip4, []byte{0}), "addr", ErrAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeJoin, 9, tt.body), TypeJoin, tt.field, tt.err)
			j := Join{Record: aliveA1}
			if err := j.Decode(tt.body); err == nil || !sameRecord(j.Record, aliveA1) {
				t.Errorf("Join.Decode = %v and changed the record to %+v", err, j.Record)
			}
		})
	}
}

func TestJoinEncodeRefuses(t *testing.T) {
	zone := netip.MustParseAddrPort("[fe80::1%eth0]:7070")
	tests := []struct {
		name string
		r    Record
		buf  int
		err  error
	}{
		{"id 0", Record{Inc: 1, Addr: addr4}, 64, ErrInvalid},
		{"inc 0", Record{ID: 1, Addr: addr4}, 64, ErrInvalid},
		{"metadata of 256 bytes", Record{ID: 1, Inc: 1, Addr: addr4, Meta: make([]byte, MaxMetaLen+1)}, 512, ErrInvalid},
		{"no address", Record{ID: 1, Inc: 1}, 64, ErrAddress},
		{"address with a zone", Record{ID: 1, Inc: 1, Addr: zone}, 64, ErrAddress},
		{"buffer one short", Record{ID: 1, Inc: 1, Addr: addr4, Meta: []byte("zone=eu")}, 37, ErrBufferTooSmall},
		{"buffer one short, ip6", Record{ID: 1, Inc: 1, Addr: addr6}, 42, ErrBufferTooSmall},
		{"empty buffer", Record{ID: 1, Inc: 1, Addr: addr6}, 0, ErrBufferTooSmall},
	}
	for _, tt := range tests {
		j := Join{Record: tt.r}
		b := bytes.Repeat([]byte{0xee}, tt.buf)
		if n, err := j.Encode(b, 9); n != 0 || err != tt.err {
			t.Errorf("%s: Encode = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		if bytes.Count(b, []byte{0xee}) != len(b) {
			t.Errorf("%s: failed Encode wrote into the buffer", tt.name)
		}
		if wantLen := tt.err == ErrBufferTooSmall; (j.Len() != 0) != wantLen {
			t.Errorf("%s: Len = %d", tt.name, j.Len())
		}
		m := Message{Header: Header{Type: TypeJoin, Seq: 9}, Join: j}
		if n, err := Encode(b, &m); n != 0 || err != tt.err {
			t.Errorf("%s: Encode(Message) = %d, %v; want %v", tt.name, n, err, tt.err)
		}
	}
	// The most metadata the metaLen byte carries still encodes.
	j := Join{Record: Record{ID: 1, Inc: 1, Addr: addr6, Meta: make([]byte, MaxMetaLen)}}
	if n, err := j.Encode(make([]byte, 512), 9); err != nil || n != HeaderSize+AliveRecordLen(true, MaxMetaLen)-1 {
		t.Fatalf("Encode(255 metadata bytes) = %d, %v", n, err)
	}
}
