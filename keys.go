package gossip

import (
	"fmt"

	"github.com/tickgossip/gossip/internal/seal"
)

// Errors of key management. Each call that returns one changed nothing.
var (
	// ErrKeySize: a key is not 16, 24 or 32 bytes (AES-128, -192, -256).
	ErrKeySize = seal.ErrKeySize
	// ErrDuplicateKey: the key is already in the keyring.
	ErrDuplicateKey = seal.ErrDuplicateKey
	// ErrUnknownKey: the key is not in the keyring.
	ErrUnknownKey = seal.ErrUnknownKey
	// ErrRemovePrimary: the key that seals cannot be removed; make another
	// key the sealing one first with UseKey.
	ErrRemovePrimary = seal.ErrRemovePrimary
	// ErrNoKeys: the service was created without keys, so it has no
	// keyring to manage (keys cannot be switched on at run time).
	ErrNoKeys = seal.ErrNoKeys
)

// SealOverhead is what sealing adds to every datagram: a 20-byte clear
// header and a 16-byte tag. With keys, a payload may be MaxMessageSize-58
// bytes (454 at 512).
const SealOverhead = seal.Overhead

// KeyID names a key on the wire: the first byte of SHA-256(key). Two
// distinct keys share a KeyID once in 256 pairs; a receiver then tries
// each key of its ring with that id. KeyIDs lists them so an operator can
// check a rotation's steps without printing keys.
type KeyID uint8

// String returns the id as two hex digits.
func (k KeyID) String() string { return fmt.Sprintf("%02x", uint8(k)) }

// SealStats count the sealing layer's work and its drops by reason. Every
// datagram read counts once: opened, accepted as plaintext, or dropped.
type SealStats struct {
	Sealed            uint64 // datagrams sealed and sent
	Opened            uint64 // sealed datagrams that authenticated
	PlaintextSent     uint64 // sent unsealed (Config.SendPlaintext)
	PlaintextAccepted uint64 // plaintext accepted (Config.AcceptPlaintext)
	// Unaddressed counts datagrams other than Hellos sealed for recipient
	// 0 because their recipient's id was unknown: the receiver drops them
	// (a sent datagram, not a drop here).
	Unaddressed      uint64
	NoKey            uint64 // opened under no key of the ring, for this node (sealed for another node looks the same)
	Malformed        uint64 // shorter than 36 bytes
	Version          uint64 // another sealing version than 2 (version 1, without the recipient binding, included)
	Misaddressed     uint64 // sealed for recipient 0 and not a Hello
	Oversize         uint64 // plaintext larger than MaxMessageSize allows
	Replayed         uint64 // a counter already accepted, or older than the window, or sealed as this node
	PlaintextRefused uint64 // plaintext, and Config.AcceptPlaintext is off
	Label            uint64 // plaintext accepted, but of another cluster label (Config.Label)
	SenderMismatch   uint64 // a Hello, Welcome or Leave naming another id than its sealer
	WindowsEvicted   uint64 // replay windows of old senders forgotten at the bound
}

func (s *GossipService) keyring() (*seal.Keyring, error) {
	if s.sealer == nil {
		return nil, fmt.Errorf("%w: the service was created without Config.Keys", ErrNoKeys)
	}
	if s.state == Destroyed {
		return nil, ErrClosed
	}
	return s.sealer.Keyring(), nil
}

// AddKey adds a key to the keyring: datagrams sealed under it are opened
// from now on; this node still seals under its current key. The first
// step of a rotation, done on every node before any node seals under the
// new key.
func (s *GossipService) AddKey(key []byte) error {
	ring, err := s.keyring()
	if err != nil {
		return err
	}
	return ring.Add(key)
}

// UseKey makes a key of the ring the one that seals. The second step of a
// rotation, once every node has the key.
func (s *GossipService) UseKey(key []byte) error {
	ring, err := s.keyring()
	if err != nil {
		return err
	}
	return ring.Use(key)
}

// RemoveKey removes a key from the ring: datagrams sealed under it are
// dropped from now on. The last step of a rotation, once every node seals
// under the new key. The sealing key cannot be removed (ErrRemovePrimary).
func (s *GossipService) RemoveKey(key []byte) error {
	ring, err := s.keyring()
	if err != nil {
		return err
	}
	return ring.Remove(key)
}

// KeyIDs lists the ids of the keys in the ring, the sealing key first,
// or nil for a service without keys.
func (s *GossipService) KeyIDs() []KeyID {
	if s.sealer == nil {
		return nil
	}
	ids := s.sealer.Keyring().IDs()
	out := make([]KeyID, len(ids))
	for i, id := range ids {
		out[i] = KeyID(id)
	}
	return out
}

func (s *GossipService) sealStats() SealStats {
	if s.sealer == nil {
		return SealStats{}
	}
	st := s.sealer.Stats()
	return SealStats{
		Sealed: st.Sealed, Opened: st.Opened, PlaintextSent: st.PlaintextSent,
		PlaintextAccepted: st.PlaintextAccepted, Unaddressed: st.Unaddressed, NoKey: st.NoKey,
		Malformed: st.Malformed, Version: st.Version, Misaddressed: st.Misaddressed,
		Oversize: st.Oversize, Replayed: st.Replayed, PlaintextRefused: st.PlaintextRefused, Label: st.Label,
		SenderMismatch: st.SenderMismatch, WindowsEvicted: st.WindowsEvicted,
	}
}
