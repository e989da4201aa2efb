package message

import (
	"bytes"
	"testing"
)

// digestBody returns a Digest body: answer, bits, then the given bytes
// as buckets.
func digestBody(answer, bits byte, buckets []byte) []byte {
	return cat([]byte{answer, bits}, buckets)
}

// bucketValues returns distinct test values for bucket i of 2^bits,
// the extremes among them.
func bucketValues(i, bits int) (uint16, uint32) {
	switch i {
	case 0:
		return 0, 0
	case 1<<bits - 1:
		return 0xffff, 0xffffffff
	}
	return uint16(i*257 + bits), uint32(i)*0x01020304 ^ uint32(bits)<<28
}

func TestDigestRoundTrip(t *testing.T) {
	for bits := 1; bits <= MaxDigestBits; bits++ {
		for _, answer := range []bool{false, true} {
			var d Digest
			d.Reset(bits, answer, make([]byte, (1<<bits)*DigestBucketSize))
			for i := range 1 << bits {
				c, h := bucketValues(i, bits)
				d.SetBucket(i, c, h)
			}
			want := digestOverhead + (1<<bits)*DigestBucketSize
			if d.Len() != want || d.Bits() != bits {
				t.Fatalf("bits %d: Len %d, Bits %d; want %d, %d", bits, d.Len(), d.Bits(), want, bits)
			}
			b := make([]byte, MaxMessageSizeLimit)
			n, err := d.Encode(b, 13)
			if err != nil || n != want {
				t.Fatalf("bits %d: Encode = %d, %v; want %d", bits, n, err, want)
			}
			a := byte(0)
			if answer {
				a = 1
			}
			if !bytes.Equal(b[:HeaderSize+2], datagram(TypeDigest, 13, []byte{a, byte(bits)})) {
				t.Fatalf("bits %d: header, answer and bits = %x", bits, b[:HeaderSize+2])
			}

			var got Digest
			if err := got.Decode(b[HeaderSize:n]); err != nil {
				t.Fatal(err)
			}
			if got.Answer != answer || got.Bits() != bits || got.Len() != n {
				t.Fatalf("bits %d: Decode gave answer %v, bits %d, len %d", bits, got.Answer, got.Bits(), got.Len())
			}
			for i := range 1 << bits {
				c, h := got.Bucket(i)
				wc, wh := bucketValues(i, bits)
				if c != wc || h != wh {
					t.Fatalf("bits %d: bucket %d = %d:%x; want %d:%x", bits, i, c, h, wc, wh)
				}
			}
			var m Message
			if err := Decode(b[:n], &m); err != nil || m.Header != (Header{Type: TypeDigest, Seq: 13}) ||
				m.Digest.Answer != answer || m.Digest.Bits() != bits {
				t.Fatalf("bits %d: Decode = %+v, %v", bits, m.Header, err)
			}
			if d := checkAgainstReference(b[:n]); d != "" {
				t.Fatalf("bits %d: %s", bits, d)
			}
			out := make([]byte, n)
			if m, err := got.Encode(out, 13); err != nil || m != n || !bytes.Equal(out, b[:n]) {
				t.Fatalf("bits %d: re-encode = %x, %v; want %x", bits, out[:m], err, b[:n])
			}
		}
	}
}

func TestDigestAliasesTheDatagram(t *testing.T) {
	b := loadGoldens(t)["digest_small"]
	b = append(b[:len(b):len(b)], "spare"...)[:len(b)]
	var d Digest
	if err := d.Decode(b[HeaderSize:]); err != nil {
		t.Fatal(err)
	}
	copy(b[digestOverhead+DigestBucketSize:], []byte{0x12, 0x34, 0xde, 0xad, 0xbe, 0xef}) // bucket 1
	if c, h := d.Bucket(1); c != 0x1234 || h != 0xdeadbeef {
		t.Fatalf("Bucket(1) = %d:%x; the buckets do not alias the datagram", c, h)
	}
	if cap(d.raw) != len(d.raw) || len(d.raw) != 4*DigestBucketSize {
		t.Fatalf("len %d, cap %d of the buckets; want both %d", len(d.raw), cap(d.raw), 4*DigestBucketSize)
	}
}

func TestDigestDecodeIsStrict(t *testing.T) {
	buckets := func(n int) []byte { return bytes.Repeat([]byte{0, 1, 0xca, 0xfe, 0xba, 0xbe}, n) }
	tests := []struct {
		name  string
		body  []byte
		field string
		err   error
	}{
		{"empty", nil, "answer", ErrShort},
		{"answer 2", []byte{2}, "answer", ErrInvalid},
		{"answer 2 before a valid rest", digestBody(2, 1, buckets(2)), "answer", ErrInvalid},
		{"answer 0xff", digestBody(0xff, 1, buckets(2)), "answer", ErrInvalid},
		{"no bits", []byte{0}, "bits", ErrShort},
		{"no bits after answer 1", []byte{1}, "bits", ErrShort},
		{"bits 0", []byte{0, 0}, "bits", ErrInvalid},
		{"bits 0 with its one bucket", digestBody(0, 0, buckets(1)), "bits", ErrInvalid},
		{"bits 8", []byte{1, 8}, "bits", ErrInvalid},
		{"bits 8 with its 256 buckets", digestBody(0, 8, buckets(256)), "bits", ErrInvalid},
		{"bits 0xff", digestBody(0, 0xff, buckets(2)), "bits", ErrInvalid},
		{"bits 1, no buckets", []byte{0, 1}, "bucket", ErrShort},
		{"bits 1, one count", digestBody(0, 1, []byte{0, 1}), "bucket", ErrShort},
		{"bits 1, one bucket", digestBody(0, 1, buckets(1)), "bucket", ErrShort},
		{"bits 1, a count after the first bucket", digestBody(1, 1, buckets(2)[:8]), "bucket", ErrShort},
		{"bits 1, one byte short", digestBody(0, 1, buckets(2)[:11]), "bucket", ErrShort},
		{"bits 6, one bucket short", digestBody(0, 6, buckets(63)), "bucket", ErrShort},
		{"bits 7, one byte short", digestBody(0, 7, buckets(128)[:767]), "bucket", ErrShort},
		{"bits 7 with 64 buckets", digestBody(0, 7, buckets(64)), "bucket", ErrShort},
		{"bits 1, a byte after the buckets", cat(digestBody(0, 1, buckets(2)), []byte{0}), "", ErrTrailing},
		{"bits 1, a bucket after the buckets", digestBody(1, 1, buckets(3)), "", ErrTrailing},
		{"bits 6 with 128 buckets", digestBody(0, 6, buckets(128)), "", ErrTrailing},
		{"bits 7, a byte after the buckets", cat(digestBody(1, 7, buckets(128)), []byte{0xff}), "", ErrTrailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDecodeError(t, datagram(TypeDigest, 13, tt.body), TypeDigest, tt.field, tt.err)
			var d Digest
			buf := make([]byte, 8*DigestBucketSize)
			d.Reset(3, true, buf)
			d.SetBucket(2, 5, 0xabcdef01)
			err := d.Decode(tt.body)
			if err == nil || !d.Answer || d.Bits() != 3 || &d.raw[0] != &buf[0] || len(d.raw) != len(buf) {
				t.Fatalf("Digest.Decode = %v and changed the Digest: answer %v, bits %d", err, d.Answer, d.Bits())
			}
			if c, h := d.Bucket(2); c != 5 || h != 0xabcdef01 {
				t.Errorf("Digest.Decode = %v and changed bucket 2 to %d:%x", err, c, h)
			}
		})
	}
}

func TestDigestEncodeRefuses(t *testing.T) {
	var zero Digest
	reset := func(bits, size int) *Digest {
		var d Digest
		d.Reset(bits, false, make([]byte, size))
		return &d
	}
	tests := []struct {
		name string
		d    *Digest
		buf  int
		err  error
	}{
		{"zero Digest", &zero, 512, ErrInvalid},
		{"zero Digest, empty buffer", &zero, 0, ErrInvalid},
		{"zero Digest answering", &Digest{Answer: true}, 512, ErrInvalid},
		{"Reset to bits 0", reset(0, DigestBucketSize), 512, ErrInvalid},
		{"Reset to bits 8", reset(8, 256*DigestBucketSize), 2048, ErrInvalid},
		{"bits 1, buffer one short", newDigest(1, true, digestView...), 21, ErrBufferTooSmall},
		{"bits 1, header only", newDigest(1, false), HeaderSize, ErrBufferTooSmall},
		{"bits 6, buffer one short", newDigest(6, false, spreadView(100)...), 393, ErrBufferTooSmall},
		{"bits 7 into 512 bytes", newDigest(7, false, spreadView(100)...), DefaultMaxMessageSize, ErrBufferTooSmall},
		{"empty buffer", newDigest(2, false, digestView...), 0, ErrBufferTooSmall},
	}
	for _, tt := range tests {
		b := bytes.Repeat([]byte{0xee}, tt.buf)
		if n, err := tt.d.Encode(b, 13); n != 0 || err != tt.err {
			t.Errorf("%s: Encode = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		m := Message{Header: Header{Type: TypeDigest, Seq: 13}, Digest: *tt.d}
		if n, err := Encode(b, &m); n != 0 || err != tt.err {
			t.Errorf("%s: Encode(Message) = %d, %v; want %v", tt.name, n, err, tt.err)
		}
		if bytes.Count(b, []byte{0xee}) != len(b) {
			t.Errorf("%s: failed Encode wrote into the buffer", tt.name)
		}
	}
}

func TestDigestBits(t *testing.T) {
	tests := []struct{ size, want int }{
		{MinMessageSize, 3}, // 58 bytes
		{100, 3},
		{DefaultMaxMessageSize, 6}, // 394 bytes
		{1400, 7},
		{MaxMessageSizeLimit, 7},
		// Each bucket count at its least size and one byte below.
		{22, 1}, {33, 1}, {34, 2}, {57, 2}, {58, 3}, {105, 3}, {106, 4},
		{201, 4}, {202, 5}, {393, 5}, {394, 6}, {777, 6}, {778, 7},
		// Nothing fits below 22 bytes; DigestBits still answers 1..7.
		{21, 1}, {HeaderSize, 1}, {0, 1}, {-1, 1},
	}
	for _, tt := range tests {
		if got := DigestBits(tt.size); got != tt.want {
			t.Errorf("DigestBits(%d) = %d; want %d", tt.size, got, tt.want)
		}
	}
	// At every size a service may configure, the Digest of DigestBits
	// fits, and one of a bit more would not.
	sizes := []int{MaxMessageSizeLimit}
	for s := MinMessageSize; s <= 1500; s++ {
		sizes = append(sizes, s)
	}
	buf := make([]byte, MaxMessageSizeLimit)
	for _, size := range sizes {
		bits := DigestBits(size)
		if bits < 1 || bits > MaxDigestBits {
			t.Fatalf("DigestBits(%d) = %d; outside 1..%d", size, bits, MaxDigestBits)
		}
		d := newDigest(bits, true, spreadView(10)...)
		if n, err := d.Encode(buf[:size], 1); err != nil || n != d.Len() || n > size {
			t.Fatalf("size %d: a Digest of DigestBits %d: Encode = %d, %v", size, bits, n, err)
		}
		if bits < MaxDigestBits {
			if more := newDigest(bits+1, true); more.Len() <= size {
				t.Fatalf("size %d: DigestBits %d, but %d bits (%d bytes) fit too", size, bits, bits+1, more.Len())
			}
		}
	}
}

func TestDigestBucket(t *testing.T) {
	tests := []struct {
		id   uint64
		bits int
		want int
	}{
		{1, 1, 0}, {0x7fffffffffffffff, 1, 0}, {0x8000000000000000, 1, 1}, {^uint64(0), 1, 1},
		{0x00000000000000a1, 2, 0}, {0x4000000000000000, 2, 1}, {0x80000000000000c3, 2, 2}, {0xc0000000000000d4, 2, 3},
		{0xbfffffffffffffff, 2, 2},
		{0x0200000000000000, 7, 1}, {0x01ffffffffffffff, 7, 0}, {0xfe00000000000000, 7, 127}, {^uint64(0), 7, 127},
		{0xa5a5a5a5a5a5a5a5, 3, 5}, {0xa5a5a5a5a5a5a5a5, 6, 0x29}, {0xa5a5a5a5a5a5a5a5, 7, 0x52},
	}
	for _, tt := range tests {
		if got := DigestBucket(tt.id, tt.bits); got != tt.want {
			t.Errorf("DigestBucket(%#x, %d) = %d; want %d", tt.id, tt.bits, got, tt.want)
		}
	}
	// The bucket is the top bits, so a bucket of 2^b holds exactly the
	// buckets of 2^7 that share its top b bits: a view summarized once at
	// MaxDigestBits folds into any smaller Digest.
	for _, m := range spreadView(1000) {
		top := DigestBucket(m.id, MaxDigestBits)
		for bits := 1; bits <= MaxDigestBits; bits++ {
			got := DigestBucket(m.id, bits)
			if got < 0 || got >= 1<<bits || got != top>>(MaxDigestBits-bits) || uint64(got) != m.id>>(64-bits) {
				t.Fatalf("DigestBucket(%#x, %d) = %d; bucket at 7 bits %d", m.id, bits, got, top)
			}
		}
	}
}

func TestDigestHash(t *testing.T) {
	// Every node must compute the same hash of a member, whatever its
	// version and architecture: these values are part of the protocol.
	// (Computed independently of this package.)
	tests := []struct {
		id   uint64
		inc  uint32
		want uint32
	}{
		{0xa1, 1, 0xbc463a2b},
		{0xa1, 2, 0x770fc5a4},
		{0xb2, 5, 0xca09c64e},
		{0x80000000000000c3, 4, 0x26a5fe71},
		{0xc0000000000000d4, 1, 0xa7c50f84},
		{1, 1, 0xeca8f520},
		{1, 2, 0xb31f8e7a},
		{^uint64(0), ^uint32(0), 0xe06b6664},
	}
	for _, tt := range tests {
		if got := DigestHash(tt.id, tt.inc); got != tt.want {
			t.Errorf("DigestHash(%#x, %d) = %08x; want %08x", tt.id, tt.inc, got, tt.want)
		}
	}
	// A member's hash changes with each incarnation, so two views with the
	// same members at different incarnations differ.
	for _, id := range []uint64{1, 0xa1, 0x80000000000000c3, ^uint64(0)} {
		seen := map[uint32]uint32{}
		for inc := uint32(1); inc <= 200; inc++ {
			h := DigestHash(id, inc)
			if prev, ok := seen[h]; ok {
				t.Errorf("DigestHash(%#x, %d) = DigestHash(%#x, %d) = %08x", id, inc, id, prev, h)
			}
			seen[h] = inc
		}
		if DigestHash(id, 1) == DigestHash(id+1, 1) {
			t.Errorf("DigestHash(%#x, 1) = DigestHash(%#x, 1)", id, id+1)
		}
		if DigestHash(id, 0x80000000) == DigestHash(id, 0) || DigestHash(id, ^uint32(0)) == DigestHash(id, ^uint32(0)-1) {
			t.Errorf("DigestHash(%#x, ...) does not see the incarnation's top bits", id)
		}
	}
}

// TestDigestResetSetBucket builds a Digest in a buffer as a sender does,
// and checks that Reset clears exactly the buckets it uses, SetBucket
// writes exactly its own bucket, and Bucket reads it back.
func TestDigestResetSetBucket(t *testing.T) {
	buf := bytes.Repeat([]byte{0xee}, (1<<MaxDigestBits)*DigestBucketSize)
	var d Digest
	d.Reset(2, true, buf)
	if d.Bits() != 2 || !d.Answer || d.Len() != digestOverhead+4*DigestBucketSize {
		t.Fatalf("Reset(2): bits %d, answer %v, len %d", d.Bits(), d.Answer, d.Len())
	}
	if !bytes.Equal(buf[:4*DigestBucketSize], make([]byte, 4*DigestBucketSize)) ||
		bytes.Count(buf[4*DigestBucketSize:], []byte{0xee}) != len(buf)-4*DigestBucketSize {
		t.Fatalf("Reset(2) did not clear exactly its 4 buckets: %x", buf[:6*DigestBucketSize])
	}
	for i := range 4 {
		if c, h := d.Bucket(i); c != 0 || h != 0 {
			t.Fatalf("bucket %d after Reset = %d:%x", i, c, h)
		}
	}
	d.SetBucket(2, 0x0102, 0x03040506)
	d.SetBucket(3, 0xffff, 0xffffffff)
	want := cat(make([]byte, 12), []byte{1, 2, 3, 4, 5, 6}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if !bytes.Equal(buf[:4*DigestBucketSize], want) {
		t.Fatalf("SetBucket wrote %x; want %x", buf[:4*DigestBucketSize], want)
	}
	if c, h := d.Bucket(2); c != 0x0102 || h != 0x03040506 {
		t.Errorf("Bucket(2) = %d:%x", c, h)
	}
	d.SetBucket(2, 7, 9) // overwrites
	if c, h := d.Bucket(2); c != 7 || h != 9 {
		t.Errorf("Bucket(2) after a second SetBucket = %d:%x", c, h)
	}
	if c, h := d.Bucket(3); c != 0xffff || h != 0xffffffff {
		t.Errorf("SetBucket(2) changed bucket 3 to %d:%x", c, h)
	}

	// Encode writes the buckets as built.
	out := make([]byte, d.Len())
	if n, err := d.Encode(out, 13); err != nil || n != len(out) ||
		!bytes.Equal(out, datagram(TypeDigest, 13, []byte{1, 2}, buf[:4*DigestBucketSize])) {
		t.Fatalf("Encode = %x, %v", out[:n], err)
	}

	// A second Reset reuses the buffer: fewer buckets, all zero, the
	// Answer set anew.
	d.Reset(1, false, buf)
	if c, h := d.Bucket(1); d.Bits() != 1 || d.Answer || c != 0 || h != 0 {
		t.Fatalf("second Reset: bits %d, answer %v, bucket 1 %d:%x", d.Bits(), d.Answer, c, h)
	}
	if want := []byte{0, 7, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}; !bytes.Equal(buf[2*DigestBucketSize:4*DigestBucketSize], want) {
		t.Fatalf("Reset(1) changed the buffer beyond its 2 buckets: %x; want %x", buf[2*DigestBucketSize:4*DigestBucketSize], want)
	}
}

// TestDigestBucketsStayInTheirBuffer checks that SetBucket and Bucket past
// the last bucket panic rather than reach into the rest of the buffer,
// and that Reset panics on a buffer too small for its buckets.
func TestDigestBucketsStayInTheirBuffer(t *testing.T) {
	panics := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	buf := bytes.Repeat([]byte{0xee}, 8*DigestBucketSize)
	var d Digest
	d.Reset(2, false, buf)
	panics("SetBucket(4) of 4 buckets", func() { d.SetBucket(4, 1, 1) })
	panics("Bucket(4) of 4 buckets", func() { d.Bucket(4) })
	panics("SetBucket(-1)", func() { d.SetBucket(-1, 1, 1) })
	if bytes.Count(buf[4*DigestBucketSize:], []byte{0xee}) != 4*DigestBucketSize {
		t.Error("SetBucket wrote past the Digest's buckets")
	}
	var e Digest
	panics("Reset(3) of a 7-bucket buffer", func() { e.Reset(3, false, make([]byte, 7*DigestBucketSize)) })
	panics("Reset(1) of a nil buffer", func() { e.Reset(1, false, nil) })
}

// TestDigestOfAView checks a Digest built from a view the way its doc
// comment says, against the bucket counts and hashes worked out member by
// member, and that the Digests of two views tell exactly the buckets
// where the views differ.
func TestDigestOfAView(t *testing.T) {
	view := spreadView(300)
	for bits := 1; bits <= MaxDigestBits; bits++ {
		d := newDigest(bits, false, view...)
		total := 0
		for i := range 1 << bits {
			c, h := d.Bucket(i)
			var wc uint16
			var wh uint32
			for _, m := range view {
				if m.id>>(64-bits) == uint64(i) {
					wc++
					wh ^= DigestHash(m.id, m.inc)
				}
			}
			if c != wc || h != wh {
				t.Fatalf("bits %d: bucket %d = %d:%x; want %d:%x", bits, i, c, h, wc, wh)
			}
			total += int(c)
		}
		if total != len(view) {
			t.Fatalf("bits %d: buckets count %d members; want %d", bits, total, len(view))
		}

		// Another view: one member at a newer incarnation, one missing.
		other := append([]digestMember(nil), view...)
		other[17].inc++
		other = append(other[:200], other[201:]...)
		o := newDigest(bits, false, other...)
		for i := range 1 << bits {
			c1, h1 := d.Bucket(i)
			c2, h2 := o.Bucket(i)
			differs := i == DigestBucket(view[17].id, bits) || i == DigestBucket(view[200].id, bits)
			if (c1 != c2 || h1 != h2) != differs {
				t.Errorf("bits %d: bucket %d: %d:%x and %d:%x; want them to differ: %v", bits, i, c1, h1, c2, h2, differs)
			}
		}
	}
}
