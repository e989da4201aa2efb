// Package seal encrypts and authenticates datagrams: the "Sealed datagrams"
// of the wire format (type 8), as a [transport.Transport] wrapper.
//
// A sealed datagram wraps one whole plaintext datagram:
//
//	offset size field
//	0      2    type: 8 (Sealed)
//	2      1    version: 2
//	3      1    keyID: first byte of SHA-256(key)
//	4      8    sender: the sender's node id
//	12     8    counter: strictly increasing per sender
//	20     n    ciphertext: the plaintext datagram, AES-GCM
//	20+n   16   tag
//
// Each sender seals under its own subkey, HKDF-SHA256(secret = key, no salt,
// info = "gossip v1 sealed" || sender (8 bytes, big-endian), length =
// len(key)); the nonce is four zero bytes followed by the counter, and the
// additional data is the 20-byte clear header followed by the recipient's
// node id (8 bytes, not sent; zero when the sender does not know it, which
// only a Hello may be) and, for a cluster with a label, the label (not
// sent either: a datagram of another cluster does not open). A datagram therefore opens at its recipient and
// nowhere else, Hellos sealed for recipient 0 excepted, and receivers keep
// a replay window per authenticated sender. Version 1, without the
// recipient, is refused.
//
// [Transport] seals every datagram its engine writes and opens every one it
// reads; [Seal] and [Open] do the same for one datagram, for tools and
// golden vectors.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"math"

	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/message"
)

// Sizes of a sealed datagram.
const (
	// HeaderLen is the length of the clear header: type, version, keyID,
	// sender and counter. The additional data is the header and the
	// recipient id.
	HeaderLen = 20
	// adLen is the length of the additional data of an unlabelled cluster:
	// the clear header, then the recipient's id. A cluster label follows
	// them (maxAD).
	adLen = HeaderLen + 8
	maxAD = adLen + label.MaxLen
	// TagLen is the length of the GCM tag that ends a sealed datagram.
	TagLen = 16
	// Overhead is what sealing adds to a datagram: 36 bytes.
	Overhead = HeaderLen + TagLen
	// Version is the sealed format's version byte. Version 1 did not bind
	// a datagram to its recipient; it is dropped as unsupported.
	Version = 2
)

// subkeyInfo starts the HKDF info; the sender id follows it.
const subkeyInfo = "gossip v1 sealed"

// deriveAEAD returns AES-GCM under the subkey of sender. The key's size has
// been checked, so an error means the standard library refused something
// it documents as valid.
func deriveAEAD(key []byte, sender uint64) (cipher.AEAD, error) {
	sub, err := subkey(key, sender)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// subkey returns HKDF-SHA256(secret = key, salt = none, info = "gossip v1
// sealed" || sender, length = len(key)).
func subkey(key []byte, sender uint64) ([]byte, error) {
	var info [len(subkeyInfo) + 8]byte
	copy(info[:], subkeyInfo)
	binary.BigEndian.PutUint64(info[len(subkeyInfo):], sender)
	return hkdf.Key(sha256.New, key, nil, string(info[:]), len(key))
}

// putHeader writes the clear header of a sealed datagram into the first
// HeaderLen bytes of ad.
func putHeader(ad *[maxAD]byte, id KeyID, sender, counter uint64) {
	binary.BigEndian.PutUint16(ad[0:], uint16(message.TypeSealed))
	ad[2] = Version
	ad[3] = byte(id)
	binary.BigEndian.PutUint64(ad[4:], sender)
	binary.BigEndian.PutUint64(ad[12:], counter)
}

// putRecipient writes the recipient's id after the header in ad.
func putRecipient(ad *[maxAD]byte, recipient uint64) {
	binary.BigEndian.PutUint64(ad[HeaderLen:], recipient)
}

// putNonce writes the GCM nonce of counter into n: four zero bytes, then
// the counter.
func putNonce(n *[12]byte, counter uint64) {
	n[0], n[1], n[2], n[3] = 0, 0, 0, 0
	binary.BigEndian.PutUint64(n[4:], counter)
}

// isSealed reports whether datagram b claims to be sealed: its type field
// is 8. Anything else, including a datagram too short to hold a type, is
// plaintext.
func isSealed(b []byte) bool {
	return len(b) >= 2 && binary.BigEndian.Uint16(b) == uint16(message.TypeSealed)
}

// Seal appends to dst the datagram plaintext sealed under key, as sent by
// sender to recipient (0: a recipient whose id the sender does not know,
// which receivers accept only for a Hello) with the given counter, and
// returns the extended slice. The plaintext is one whole datagram, header
// included; Seal does not look inside it. dst's spare capacity must not
// overlap plaintext. It fails with [ErrKeySize] for a key that is not 16,
// 24 or 32 bytes long.
//
// The caller must never seal two datagrams with one (key, sender, counter):
// that repeats a GCM nonce, whatever the recipient. Seal derives the subkey
// on every call; a [Transport] caches it.
func Seal(dst, key []byte, sender, recipient, counter uint64, plaintext []byte) ([]byte, error) {
	return SealLabelled(dst, key, "", sender, recipient, counter, plaintext)
}

// SealLabelled is Seal for a cluster with the label l: the label follows
// the recipient id in the additional data, so that only a node of the same
// label opens the datagram. The empty label is Seal's.
func SealLabelled(dst, key []byte, l string, sender, recipient, counter uint64, plaintext []byte) ([]byte, error) {
	if err := checkKeySize(key); err != nil {
		return dst, err
	}
	if len(l) > label.MaxLen {
		return dst, label.ErrInvalid
	}
	aead, err := deriveAEAD(key, sender)
	if err != nil {
		return dst, err
	}
	var ad [maxAD]byte
	var nonce [12]byte
	putHeader(&ad, IDOf(key), sender, counter)
	putRecipient(&ad, recipient)
	copy(ad[adLen:], l)
	putNonce(&nonce, counter)
	dst = append(dst, ad[:HeaderLen]...)
	return aead.Seal(dst, nonce[:], plaintext, ad[:adLen+len(l)]), nil
}

// Open authenticates the sealed datagram under key as received by
// recipient (0 to open what was sealed for an unknown recipient) and
// appends its plaintext to dst. It returns the extended slice, with the
// sealed sender id and counter. It fails with [ErrKeySize] for a bad key,
// [ErrMalformed] for a datagram shorter than [Overhead] or of another type
// than Sealed, [ErrVersion] for another version than 2, and [ErrOpen] when
// the datagram's keyID is not key's or it does not authenticate for
// recipient; on error dst is returned unchanged but its spare capacity may
// have been overwritten.
//
// Open keeps no replay window and does not look inside the plaintext: it
// accepts the same datagram every time, and a non-Hello sealed for
// recipient 0, which a [Transport] refuses.
func Open(dst, key, sealed []byte, recipient uint64) (plaintext []byte, sender, counter uint64, err error) {
	return OpenLabelled(dst, key, "", sealed, recipient)
}

// OpenLabelled is Open for a cluster with the label l (see SealLabelled).
func OpenLabelled(dst, key []byte, l string, sealed []byte, recipient uint64) (plaintext []byte, sender, counter uint64, err error) {
	if err := checkKeySize(key); err != nil {
		return dst, 0, 0, err
	}
	if len(l) > label.MaxLen {
		return dst, 0, 0, label.ErrInvalid
	}
	if len(sealed) < Overhead || !isSealed(sealed) {
		return dst, 0, 0, ErrMalformed
	}
	if sealed[2] != Version {
		return dst, 0, 0, ErrVersion
	}
	if KeyID(sealed[3]) != IDOf(key) {
		return dst, 0, 0, ErrOpen
	}
	sender = binary.BigEndian.Uint64(sealed[4:])
	counter = binary.BigEndian.Uint64(sealed[12:])
	aead, err := deriveAEAD(key, sender)
	if err != nil {
		return dst, 0, 0, err
	}
	var nonce [12]byte
	putNonce(&nonce, counter)
	var ad [maxAD]byte
	copy(ad[:], sealed[:HeaderLen])
	putRecipient(&ad, recipient)
	copy(ad[adLen:], l)
	out, err := aead.Open(dst, nonce[:], sealed[HeaderLen:], ad[:adLen+len(l)])
	if err != nil {
		return dst, 0, 0, ErrOpen
	}
	return out, sender, counter, nil
}

// lastCounter is never sealed: the counter after it would wrap.
const lastCounter = math.MaxUint64
