package message

import "encoding/binary"

// Digest (extension type 13) summarizes the sender's view of the
// membership, so that two nodes find out which parts of their views
// differ and exchange only those: the anti-entropy of membership. The id
// space is split into 2^bits buckets by the ids' top bits; each bucket
// carries the number of members in it and the XOR of a hash of each
// member's (id, incarnation) (see DigestHash), the sender itself
// included. Body: answer u8 (1: this Digest answers one, and is not to be
// answered with another), bits u8 (1..7), then 2^bits × (count u16,
// hash u32). Acknowledged.
type Digest struct {
	Answer bool
	bits   int
	raw    []byte // 2^bits buckets of 6 bytes, aliasing the decoded body
}

// DigestBucketSize is the encoded size of one bucket.
const DigestBucketSize = 6

// MaxDigestBits is the most buckets a Digest can have: 2^7.
const MaxDigestBits = 7

// digestOverhead is a Digest's length without buckets.
const digestOverhead = HeaderSize + 2

var (
	errDigestAnswerShort = fieldErr(TypeDigest, "answer", ErrShort)
	errDigestAnswerBad   = fieldErr(TypeDigest, "answer", ErrInvalid)
	errDigestBitsShort   = fieldErr(TypeDigest, "bits", ErrShort)
	errDigestBitsBad     = fieldErr(TypeDigest, "bits", ErrInvalid)
	errDigestBuckets     = fieldErr(TypeDigest, "bucket", ErrShort)
	errDigestTrailing    = fieldErr(TypeDigest, "", ErrTrailing)
)

// DigestBits returns the most bucket bits (1..MaxDigestBits) whose Digest
// fits a datagram of maxMessageSize bytes: 6 at 512 (394 bytes).
func DigestBits(maxMessageSize int) int {
	for b := MaxDigestBits; b > 1; b-- {
		if digestOverhead+(1<<b)*DigestBucketSize <= maxMessageSize {
			return b
		}
	}
	return 1
}

// DigestHash returns a member's contribution to its bucket's hash: a
// mix of its id and incarnation, so that two views with the same members
// at different incarnations differ too.
func DigestHash(id uint64, inc uint32) uint32 {
	x := id ^ uint64(inc)*0x9e3779b97f4a7c15
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return uint32(x)
}

// DigestBucket returns the bucket of id among 2^bits: its top bits.
func DigestBucket(id uint64, bits int) int { return int(id >> (64 - bits)) }

// Decode decodes a Digest body (the datagram after its header). It
// returns a *[DecodeError] wrapping [ErrShort], [ErrInvalid] or
// [ErrTrailing], and leaves d unchanged on error. On success d aliases
// body.
func (d *Digest) Decode(body []byte) error {
	switch {
	case len(body) < 1:
		return errDigestAnswerShort
	case body[0] > 1:
		return errDigestAnswerBad
	case len(body) < 2:
		return errDigestBitsShort
	case body[1] < 1 || body[1] > MaxDigestBits:
		return errDigestBitsBad
	}
	n := (1 << body[1]) * DigestBucketSize
	switch {
	case len(body) < 2+n:
		return errDigestBuckets
	case len(body) > 2+n:
		return errDigestTrailing
	}
	d.Answer = body[0] == 1
	d.bits = int(body[1])
	d.raw = body[2 : 2+n : 2+n]
	return nil
}

// Bits returns the bucket bits: the Digest has 2^Bits buckets.
func (d *Digest) Bits() int { return d.bits }

// Bucket returns bucket i's member count and hash.
func (d *Digest) Bucket(i int) (count uint16, hash uint32) {
	b := d.raw[i*DigestBucketSize:]
	return binary.BigEndian.Uint16(b), binary.BigEndian.Uint32(b[2:])
}

// Len returns the encoded length of d, header included.
func (d *Digest) Len() int { return digestOverhead + len(d.raw) }

// Encode writes d, as decoded or built with SetBucket, as a datagram with
// the given seq into b[:d.Len()] and returns its length; it fails,
// writing nothing, with [ErrBufferTooSmall] if len(b) < d.Len() and with
// [ErrInvalid] for a Digest without buckets.
func (d *Digest) Encode(b []byte, seq uint32) (int, error) {
	if d.bits < 1 || d.bits > MaxDigestBits || len(d.raw) != (1<<d.bits)*DigestBucketSize {
		return 0, ErrInvalid
	}
	n := d.Len()
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	PutHeader(b, TypeDigest, seq)
	b[HeaderSize] = 0
	if d.Answer {
		b[HeaderSize] = 1
	}
	b[HeaderSize+1] = byte(d.bits)
	copy(b[digestOverhead:], d.raw)
	return n, nil
}

// Reset makes d an empty Digest of 2^bits buckets backed by buf, which
// must hold 2^bits × DigestBucketSize bytes (it panics otherwise), ready
// for SetBucket.
func (d *Digest) Reset(bits int, answer bool, buf []byte) {
	n := (1 << bits) * DigestBucketSize
	d.Answer, d.bits, d.raw = answer, bits, buf[:n:n]
	clear(d.raw)
}

// SetBucket sets bucket i of a Digest built with Reset.
func (d *Digest) SetBucket(i int, count uint16, hash uint32) {
	b := d.raw[i*DigestBucketSize:]
	binary.BigEndian.PutUint16(b, count)
	binary.BigEndian.PutUint32(b[2:], hash)
}
