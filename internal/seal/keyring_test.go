package seal

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"
)

func TestKeyring(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys [][]byte
		want error
	}{
		{"none", nil, ErrNoKeys},
		{"empty key", [][]byte{{}}, ErrKeySize},
		{"15 bytes", [][]byte{make([]byte, 15)}, ErrKeySize},
		{"33 bytes", [][]byte{key16, make([]byte, 33)}, ErrKeySize},
		{"duplicate", [][]byte{key16, key24, bytes.Clone(key16)}, ErrDuplicateKey},
	} {
		if r, err := NewKeyring(tc.keys...); !errors.Is(err, tc.want) || r != nil {
			t.Errorf("NewKeyring(%s) = %v, %v; want %v", tc.name, r, err, tc.want)
		}
	}

	caller := bytes.Clone(key16)
	r := mustRing(t, caller, key24)
	caller[0] ^= 0xff // the ring holds a copy
	id := func(k []byte) KeyID { return KeyID(sha256.Sum256(k)[0]) }
	want := []KeyID{id(key16), id(key24)}
	check := func(what string, want []KeyID) {
		t.Helper()
		if got := r.IDs(); !slices.Equal(got, want) {
			t.Errorf("%s: IDs %v; want %v", what, got, want)
		}
	}
	check("new", want)

	// Errors change nothing.
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"Add duplicate", r.Add(key24), ErrDuplicateKey},
		{"Add bad size", r.Add(make([]byte, 20)), ErrKeySize},
		{"Use unknown", r.Use(key32), ErrUnknownKey},
		{"Remove unknown", r.Remove(key32), ErrUnknownKey},
		{"Remove primary", r.Remove(key16), ErrRemovePrimary},
		{"Remove the caller's mutated copy", r.Remove(caller), ErrUnknownKey},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v; want %v", tc.name, tc.err, tc.want)
		}
		check(tc.name, want)
	}

	added := bytes.Clone(key32)
	if err := r.Add(added); err != nil {
		t.Fatal(err)
	}
	added[0] ^= 0xff
	check("Add", []KeyID{id(key16), id(key24), id(key32)})
	if err := r.Use(key32); err != nil {
		t.Fatal(err)
	}
	check("Use", []KeyID{id(key32), id(key16), id(key24)})
	if err := r.Use(key32); err != nil {
		t.Fatal("Use of the primary:", err)
	}
	check("Use primary", []KeyID{id(key32), id(key16), id(key24)})
	if err := r.Remove(key16); err != nil {
		t.Fatal(err)
	}
	check("Remove", []KeyID{id(key32), id(key24)})
	if err := r.Remove(key32); !errors.Is(err, ErrRemovePrimary) {
		t.Errorf("Remove new primary: %v", err)
	}

	for _, err := range []error{ErrKeySize, ErrDuplicateKey, ErrUnknownKey, ErrRemovePrimary, ErrNoKeys,
		ErrMalformed, ErrVersion, ErrOpen, ErrCounterExhausted} {
		if msg := err.Error(); len(msg) < 6 || msg[:6] != "seal: " {
			t.Errorf("error %q lacks the seal: prefix", msg)
		}
	}
}

func TestSealOpenErrors(t *testing.T) {
	pt := []byte("datagram")
	if _, err := Seal(nil, make([]byte, 17), 1, 2, 1, pt); !errors.Is(err, ErrKeySize) {
		t.Errorf("Seal with a 17-byte key: %v", err)
	}
	sealed := mustSeal(t, key16, 1, 2, pt)
	dst := []byte("prefix")
	got, _, _, err := Open(dst, key16, sealed, idB)
	if err != nil || string(got) != "prefix"+string(pt) {
		t.Errorf("Open appends: %q, %v", got, err)
	}
	for _, tc := range []struct {
		name   string
		key    []byte
		sealed []byte
		want   error
	}{
		{"bad key", make([]byte, 8), sealed, ErrKeySize},
		{"short", key16, sealed[:35], ErrMalformed},
		{"type", key16, append([]byte{0, 5}, sealed[2:]...), ErrMalformed},
		{"version 1", key16, append([]byte{0, 8, 1}, sealed[3:]...), ErrVersion},
		{"version 3", key16, append([]byte{0, 8, 3}, sealed[3:]...), ErrVersion},
		{"other key", key24, sealed, ErrOpen},
		{"tag", key16, append(bytes.Clone(sealed[:len(sealed)-1]), sealed[len(sealed)-1]^1), ErrOpen},
	} {
		if out, _, _, err := Open(dst, tc.key, tc.sealed, idB); !errors.Is(err, tc.want) || string(out) != "prefix" {
			t.Errorf("Open %s: %q, %v; want %v", tc.name, out, err, tc.want)
		}
	}
	// Sealed for idB: it opens for idB only, not for another node nor as
	// sealed for recipient 0.
	for _, r := range []uint64{0, idA, idC, idB ^ 1<<63} {
		if _, _, _, err := Open(nil, key16, sealed, r); !errors.Is(err, ErrOpen) {
			t.Errorf("Open for recipient %x of a datagram sealed for %x: %v; want ErrOpen", r, idB, err)
		}
	}
}
