package message

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// corpusDir is where Go looks for FuzzDecode's seed corpus.
const corpusDir = "testdata/fuzz/FuzzDecode"

// FuzzDecode checks, for any datagram: Decode and Describe never panic nor
// write their input; the reference decoder agrees with Decode; and an
// accepted datagram encodes back to exactly the same bytes.
func FuzzDecode(f *testing.F) {
	_, wires := sortedGoldens(f)
	for _, b := range wires {
		for _, v := range allVariants(b) {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := slices.Clone(b)
		var m Message
		err := Decode(b, &m)
		_ = Describe(b)
		if !bytes.Equal(b, in) {
			t.Fatal("Decode or Describe modified the datagram")
		}
		if d := checkAgainstReference(b); d != "" {
			t.Fatalf("reference decoder disagrees on %x: %s", b, d)
		}
		if err != nil {
			return
		}
		out := make([]byte, len(b))
		n, err := Encode(out, &m)
		if err != nil || !bytes.Equal(out[:n], b) {
			t.Fatalf("Encode(Decode(%x)) = %x, %v", b, out[:n], err)
		}
		if n, err := Encode(out[:len(b)-1], &m); n != 0 || err != ErrBufferTooSmall {
			t.Fatalf("Encode one byte short = %d, %v", n, err)
		}
	})
}

// allVariants returns b, every truncation of it, b extended by a byte and
// every single-bit flip of it: the programmatic seeds of FuzzDecode.
func allVariants(b []byte) [][]byte {
	out := [][]byte{b}
	for n := range len(b) {
		out = append(out, b[:n])
	}
	out = append(out, append(slices.Clone(b), 0))
	for i := range len(b) * 8 {
		c := slices.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		out = append(out, c)
	}
	return out
}

// fileSeeds returns the seed corpus written to testdata/fuzz/FuzzDecode:
// each golden whole, cut at a few places, extended by one byte, and with
// one bit flipped in each header field and a few body bytes.
func fileSeeds(tb testing.TB) map[string][]byte {
	names, wires := sortedGoldens(tb)
	seeds := make(map[string][]byte)
	for i, b := range wires {
		name := names[i]
		seeds[name] = b
		for _, n := range []int{HeaderSize - 1, HeaderSize, HeaderSize + 1, len(b) / 2, len(b) - 1} {
			if n >= 0 && n < len(b) {
				seeds[name+"_cut"+strconv.Itoa(n)] = b[:n]
			}
		}
		seeds[name+"_extended"] = append(slices.Clone(b), 0)
		for _, off := range []int{1, 2, 3, 7, HeaderSize, HeaderSize + 1, len(b) / 2, len(b) - 1} {
			if off < len(b) {
				bit := off % 8
				c := slices.Clone(b)
				c[off] ^= 1 << bit
				seeds[fmt.Sprintf("%s_flip%d.%d", name, off, bit)] = c
			}
		}
	}
	return seeds
}

// corpusFile renders b in Go's fuzz corpus file format.
func corpusFile(b []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
}

// TestFuzzSeedCorpus keeps the seed corpus files in step with the golden
// vectors; run with -update to rewrite them. Files the fuzzer adds for
// failures it found are left alone.
func TestFuzzSeedCorpus(t *testing.T) {
	seeds := fileSeeds(t)
	if *update {
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(corpusDir, name), []byte(corpusFile(b)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range seeds {
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Errorf("%v (run go test -update to write the seed corpus)", err)
			continue
		}
		if string(got) != corpusFile(b) {
			t.Errorf("%s/%s is stale; run go test -update", corpusDir, name)
		}
	}
}
