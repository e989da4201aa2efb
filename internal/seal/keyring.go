package seal

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// Errors of the keyring, of [Seal] and [Open], and of [Transport.WriteTo].
// Compare with errors.Is.
var (
	// ErrKeySize: a key is not 16, 24 or 32 bytes long.
	ErrKeySize = errors.New("seal: key must be 16, 24 or 32 bytes")
	// ErrDuplicateKey: the key is already in the ring.
	ErrDuplicateKey = errors.New("seal: key already in the keyring")
	// ErrUnknownKey: the key is not in the ring.
	ErrUnknownKey = errors.New("seal: key not in the keyring")
	// ErrRemovePrimary: the primary key cannot be removed; make another key
	// the primary first with [Keyring.Use].
	ErrRemovePrimary = errors.New("seal: cannot remove the primary key")
	// ErrNoKeys: a keyring needs at least one key.
	ErrNoKeys = errors.New("seal: no keys")
	// ErrMalformed: [Open] was given a datagram shorter than [Overhead]
	// bytes, or whose type is not Sealed (8).
	ErrMalformed = errors.New("seal: malformed sealed datagram")
	// ErrVersion: [Open] was given a sealed datagram of another version
	// than [Version] (2); version 1 lacked the recipient binding.
	ErrVersion = errors.New("seal: unsupported sealed version")
	// ErrOpen: [Open] was given a datagram whose keyID is not the key's, or
	// that does not authenticate under the key.
	ErrOpen = errors.New("seal: datagram does not open under the key")
	// ErrCounterExhausted: the sender's counter reached 2^64-1; sealing
	// more would repeat a nonce. (A counter started from a wall clock in
	// Unix nanoseconds gets there in the year 2554.)
	ErrCounterExhausted = errors.New("seal: counter exhausted")
)

// KeyID names a key on the wire: the first byte of SHA-256(key). Distinct
// keys may share a KeyID (one pair in 256); a receiver tries every key of
// its ring whose KeyID matches.
type KeyID byte

// IDOf returns the KeyID of key.
func IDOf(key []byte) KeyID {
	sum := sha256.Sum256(key)
	return KeyID(sum[0])
}

// Keyring is an ordered set of AES keys. The first key, the primary, seals
// every datagram a [Transport] sends; every key of the ring opens. Rotating
// a cluster onto a new key takes three steps, each finished on every node
// before the next starts: Add the new key, Use it, Remove the old one.
//
// A Keyring is safe for concurrent use: keys may be rotated from any
// goroutine while a Transport uses the ring. The zero Keyring holds no key
// and cannot seal; use [NewKeyring].
type Keyring struct {
	mu   sync.Mutex
	keys [][]byte // primary first; each a private copy, never modified
	gen  atomic.Uint64
}

// NewKeyring returns a ring of copies of keys, keys[0] the primary. Each
// key must be 16, 24 or 32 bytes long ([ErrKeySize]), no key may appear
// twice ([ErrDuplicateKey]) and there must be at least one ([ErrNoKeys]).
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	k := &Keyring{keys: make([][]byte, 0, len(keys))}
	for _, key := range keys {
		if err := checkKeySize(key); err != nil {
			return nil, err
		}
		if k.index(key) >= 0 {
			return nil, ErrDuplicateKey
		}
		k.keys = append(k.keys, bytes.Clone(key))
	}
	return k, nil
}

func checkKeySize(key []byte) error {
	switch len(key) {
	case 16, 24, 32:
		return nil
	}
	return ErrKeySize
}

// index returns the position of key in the ring, or -1. The caller holds
// k.mu (or owns k exclusively).
func (k *Keyring) index(key []byte) int {
	return slices.IndexFunc(k.keys, func(x []byte) bool { return bytes.Equal(x, key) })
}

// Add appends a copy of key to the ring. It opens datagrams at once but
// seals none until [Keyring.Use] makes it the primary. It fails with
// [ErrKeySize] or [ErrDuplicateKey], leaving the ring unchanged.
func (k *Keyring) Add(key []byte) error {
	if err := checkKeySize(key); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.index(key) >= 0 {
		return ErrDuplicateKey
	}
	k.keys = append(slices.Clip(k.keys), bytes.Clone(key))
	k.gen.Add(1)
	return nil
}

// Use makes key, already in the ring, the primary; the other keys keep
// their order after it. It fails with [ErrUnknownKey], leaving the ring
// unchanged, if key is not in the ring.
func (k *Keyring) Use(key []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	i := k.index(key)
	if i < 0 {
		return ErrUnknownKey
	}
	if i == 0 {
		return nil
	}
	keys := make([][]byte, 0, len(k.keys))
	keys = append(keys, k.keys[i])
	keys = append(keys, k.keys[:i]...)
	keys = append(keys, k.keys[i+1:]...)
	k.keys = keys
	k.gen.Add(1)
	return nil
}

// Remove takes key out of the ring: datagrams sealed under it are dropped
// from now on. It fails, leaving the ring unchanged, with
// [ErrRemovePrimary] if key is the primary and [ErrUnknownKey] if it is not
// in the ring.
func (k *Keyring) Remove(key []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	i := k.index(key)
	switch {
	case i < 0:
		return ErrUnknownKey
	case i == 0:
		return ErrRemovePrimary
	}
	k.keys = slices.Delete(slices.Clone(k.keys), i, i+1)
	k.gen.Add(1)
	return nil
}

// IDs returns the KeyIDs of the ring's keys, the primary first.
func (k *Keyring) IDs() []KeyID {
	k.mu.Lock()
	defer k.mu.Unlock()
	ids := make([]KeyID, len(k.keys))
	for i, key := range k.keys {
		ids[i] = IDOf(key)
	}
	return ids
}

// snapshot returns the ring's keys, primary first, and the generation they
// belong to. The returned slice is never modified afterwards (every change
// builds a new one), so the caller may keep it.
func (k *Keyring) snapshot() ([][]byte, uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys, k.gen.Load()
}
