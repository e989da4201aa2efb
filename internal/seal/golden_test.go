package seal

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tickgossip/gossip/message"
)

// update rewrites the sealed golden vectors and the FuzzOpen seed corpus.
var update = flag.Bool("update", false, "rewrite testdata/sealed goldens and the FuzzOpen seed corpus")

const (
	wireDir   = "../../testdata/wire"
	sealedDir = "../../testdata/sealed"
	corpusDir = "testdata/fuzz/FuzzOpen"
)

// Fixed golden keys, one per AES key size.
var (
	key16 = seqBytes(0x00, 16)
	key24 = seqBytes(0x10, 24)
	key32 = seqBytes(0x20, 32)
	// goldenKeys are used in turn, by the sorted index of the wire golden.
	goldenKeys = [][]byte{key16, key24, key32}
)

// goldenCounterBase is an instant in Unix nanoseconds (2023-11-14), like
// the counters real senders start from.
const goldenCounterBase uint64 = 1_700_000_000_000_000_000

// otherSender seals the goldens whose inner message does not name its
// sender; every byte of it is non-zero.
const otherSender = 0xf1e2d3c4b5a69788

// goldenRecipient is the recipient of every golden but the Hellos and Joins,
// which are sealed for recipient 0 as a first contact to a seed is. Every byte non-zero.
const goldenRecipient = 0x1f2e3d4c5b6a7988

func seqBytes(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// wireGolden is a plaintext golden from testdata/wire.
type wireGolden struct {
	name    string // file name without .txt
	comment string // its first comment line, without "# "
	hex     []byte // its hex: line, decoded
}

func readWireGoldens(t testing.TB) []wireGolden {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(wireDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no plaintext goldens in %s", wireDir)
	}
	var out []wireGolden
	for _, f := range files { // Glob sorts
		fields, comments := readVector(t, f)
		b, err := hex.DecodeString(fields["hex"])
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: bad hex line: %v", f, err)
		}
		g := wireGolden{name: strings.TrimSuffix(filepath.Base(f), ".txt"), hex: b}
		if len(comments) > 0 {
			g.comment = comments[0]
		}
		out = append(out, g)
	}
	return out
}

// readVector reads a golden file: "# " comment lines and "name: value"
// lines.
func readVector(t testing.TB, path string) (fields map[string]string, comments []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields = map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			comments = append(comments, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		case strings.TrimSpace(line) == "":
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s: line %q is neither a comment nor a field", path, line)
			}
			fields[name] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fields, comments
}

// sealedGolden is one vector of testdata/sealed.
type sealedGolden struct {
	name      string
	key       []byte
	sender    uint64
	recipient uint64
	counter   uint64
	subkey    []byte
	plaintext []byte
	sealed    []byte
}

// goldenSender is the sealed sender of a plaintext golden: the member a
// Hello, Join, Welcome or Leave names, so that the datagram passes the inner
// sender check, else otherSender.
func goldenSender(plain []byte) uint64 {
	var m message.Message
	if message.Decode(plain, &m) != nil {
		return otherSender
	}
	switch m.Header.Type {
	case message.TypeHello:
		return m.Hello.Member.ID
	case message.TypeJoin:
		return m.Join.Record.ID
	case message.TypeWelcome:
		return m.Welcome.Member.ID
	case message.TypeLeave:
		return m.Leave.Member.ID
	}
	return otherSender
}

// goldenRecipientOf is the recipient a plaintext golden is sealed for: 0
// for a Hello or a Join (a first contact), goldenRecipient for the rest.
func goldenRecipientOf(plain []byte) uint64 {
	if isHello(plain) {
		return 0
	}
	return goldenRecipient
}

// buildGoldens computes the sealed vectors of the plaintext goldens.
func buildGoldens(t testing.TB, wire []wireGolden) []sealedGolden {
	t.Helper()
	out := make([]sealedGolden, len(wire))
	for i, w := range wire {
		key := goldenKeys[i%len(goldenKeys)]
		sender := goldenSender(w.hex)
		recipient := goldenRecipientOf(w.hex)
		counter := goldenCounterBase + uint64(i)*1_000_003
		sub, err := subkey(key, sender)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := Seal(nil, key, sender, recipient, counter, w.hex)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sealedGolden{w.name, key, sender, recipient, counter, sub, w.hex, sealed}
	}
	return out
}

func formatGolden(w wireGolden, g sealedGolden) string {
	var b strings.Builder
	n := len(g.plaintext)
	fmt.Fprintf(&b, "# %s\n", w.comment)
	fmt.Fprintf(&b, "# The datagram of testdata/wire/%s.txt, sealed by sender %016x\n", w.name, g.sender)
	if g.recipient == 0 {
		b.WriteString("# for recipient 0 (a first contact to a node whose id the sender does not\n# know: it opens at any node)")
	} else {
		fmt.Fprintf(&b, "# for recipient %016x (it opens there and nowhere else)", g.recipient)
	}
	fmt.Fprintf(&b, ",\n# with counter %d under a %d-byte key (AES-%d).\n", g.counter, len(g.key), 8*len(g.key))
	b.WriteString("#\n")
	b.WriteString("# offset  bytes                     field\n")
	row := func(off string, field []byte, name string) {
		fmt.Fprintf(&b, "# %6s  %-24s  %s\n", off, hex.EncodeToString(field), name)
	}
	s := g.sealed
	row("0", s[0:2], "type (Sealed)")
	row("2", s[2:3], "version")
	row("3", s[3:4], "keyID (first byte of SHA-256(key))")
	row("4", s[4:12], "sender")
	row("12", s[12:20], fmt.Sprintf("counter (%d)", g.counter))
	row("20", s[20:20+n], fmt.Sprintf("ciphertext (%d bytes)", n))
	row(strconv.Itoa(20+n), s[20+n:], "tag")
	b.WriteString("#\n")
	b.WriteString("# subkey = HKDF-SHA256(secret=key, salt=none, info=\"gossip v1 sealed\" || sender, length=len(key));\n")
	b.WriteString("# nonce = 00000000 || counter; additional data = sealed[0:20] || recipient (8 bytes, not sent).\n")
	fmt.Fprintf(&b, "key: %x\n", g.key)
	fmt.Fprintf(&b, "sender: %016x\n", g.sender)
	fmt.Fprintf(&b, "recipient: %016x\n", g.recipient)
	fmt.Fprintf(&b, "counter: %d\n", g.counter)
	fmt.Fprintf(&b, "subkey: %x\n", g.subkey)
	fmt.Fprintf(&b, "plaintext: %x\n", g.plaintext)
	fmt.Fprintf(&b, "sealed: %x\n", g.sealed)
	return b.String()
}

func parseGolden(t testing.TB, path string) sealedGolden {
	t.Helper()
	fields, _ := readVector(t, path)
	hexField := func(name string) []byte {
		b, err := hex.DecodeString(fields[name])
		if err != nil || fields[name] == "" {
			t.Fatalf("%s: field %s: missing or bad hex", path, name)
		}
		return b
	}
	sender, err := strconv.ParseUint(fields["sender"], 16, 64)
	if err != nil {
		t.Fatalf("%s: sender: %v", path, err)
	}
	recipient, err := strconv.ParseUint(fields["recipient"], 16, 64)
	if err != nil {
		t.Fatalf("%s: recipient: %v", path, err)
	}
	counter, err := strconv.ParseUint(fields["counter"], 10, 64)
	if err != nil {
		t.Fatalf("%s: counter: %v", path, err)
	}
	return sealedGolden{
		name:      strings.TrimSuffix(filepath.Base(path), ".txt"),
		key:       hexField("key"),
		sender:    sender,
		recipient: recipient,
		counter:   counter,
		subkey:    hexField("subkey"),
		plaintext: hexField("plaintext"),
		sealed:    hexField("sealed"),
	}
}

// readSealedGoldens reads every vector of testdata/sealed.
func readSealedGoldens(t testing.TB) []sealedGolden {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sealedDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no sealed goldens in %s; run go test -run TestGolden -update", sealedDir)
	}
	out := make([]sealedGolden, len(files))
	for i, f := range files {
		out[i] = parseGolden(t, f)
	}
	return out
}

// TestGolden checks every sealed golden in both directions, Seal and Open,
// and that there is one for every plaintext golden. With -update it
// rewrites them, and the FuzzOpen seed corpus, from testdata/wire.
func TestGolden(t *testing.T) {
	wire := readWireGoldens(t)
	if *update {
		writeGoldens(t, wire)
	}
	byName := map[string]wireGolden{}
	for _, w := range wire {
		byName[w.name] = w
	}
	sizes := map[int]int{}
	seen := map[string]bool{}
	for _, g := range readSealedGoldens(t) {
		t.Run(g.name, func(t *testing.T) {
			seen[g.name] = true
			w, ok := byName[g.name]
			switch {
			case !ok:
				t.Errorf("no testdata/wire/%s.txt for this sealed golden", g.name)
			case !bytes.Equal(w.hex, g.plaintext):
				t.Errorf("plaintext differs from testdata/wire/%s.txt; rerun with -update", g.name)
			}
			sizes[len(g.key)]++

			if want := goldenRecipientOf(g.plaintext); g.recipient != want {
				t.Errorf("sealed for %x; want %x (0 for a Hello or Join only)", g.recipient, want)
			}
			got, err := Seal(nil, g.key, g.sender, g.recipient, g.counter, g.plaintext)
			if err != nil || !bytes.Equal(got, g.sealed) {
				t.Errorf("Seal = %x, %v\nwant %x", got, err, g.sealed)
			}
			pt, sender, counter, err := Open(nil, g.key, g.sealed, g.recipient)
			if err != nil || !bytes.Equal(pt, g.plaintext) || sender != g.sender || counter != g.counter {
				t.Errorf("Open = %x, %x, %d, %v; want %x, %x, %d", pt, sender, counter, err,
					g.plaintext, g.sender, g.counter)
			}
			// Bound to its recipient: under any other it does not open.
			for _, other := range []uint64{0, goldenRecipient, otherSender, 1} {
				if other == g.recipient {
					continue
				}
				if _, _, _, err := Open(nil, g.key, g.sealed, other); !errors.Is(err, ErrOpen) {
					t.Errorf("opens for recipient %x too: %v", other, err)
				}
			}
			sub, err := subkey(g.key, g.sender)
			if err != nil || !bytes.Equal(sub, g.subkey) {
				t.Errorf("subkey = %x, %v; want %x", sub, err, g.subkey)
			}
			// The clear header, byte by byte, from the format's table.
			sum := sha256.Sum256(g.key)
			want := []byte{0, 8, Version, sum[0]}
			want = binary.BigEndian.AppendUint64(want, g.sender)
			want = binary.BigEndian.AppendUint64(want, g.counter)
			if !bytes.HasPrefix(g.sealed, want) || len(g.sealed) != len(g.plaintext)+Overhead {
				t.Errorf("sealed header %x, length %d; want %x, %d", g.sealed[:min(20, len(g.sealed))],
					len(g.sealed), want, len(g.plaintext)+Overhead)
			}
		})
	}
	for _, w := range wire {
		if !seen[w.name] {
			t.Errorf("testdata/wire/%s.txt has no sealed golden; run go test -run TestGolden -update", w.name)
		}
	}
	for _, n := range []int{16, 24, 32} {
		if sizes[n] == 0 {
			t.Errorf("no sealed golden with a %d-byte key", n)
		}
	}
}

func writeGoldens(t *testing.T, wire []wireGolden) {
	old, _ := filepath.Glob(filepath.Join(sealedDir, "*.txt"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(sealedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	goldens := buildGoldens(t, wire)
	for i, g := range goldens {
		path := filepath.Join(sealedDir, g.name+".txt")
		if err := os.WriteFile(path, []byte(formatGolden(wire[i], g)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCorpus(t, goldens)
}

// manualSubkey is HKDF-SHA256 (RFC 5869) spelled out with HMAC: extract
// with the absent salt as HashLen zero bytes, then expand, here for the
// one or two blocks a 16..32-byte output takes.
func manualSubkey(key []byte, sender uint64) []byte {
	mac := hmac.New(sha256.New, make([]byte, sha256.Size))
	mac.Write(key)
	prk := mac.Sum(nil)

	info := append([]byte("gossip v1 sealed"), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint64(info[16:], sender)
	var okm, prev []byte
	for i := byte(1); len(okm) < len(key); i++ {
		mac := hmac.New(sha256.New, prk)
		mac.Write(prev)
		mac.Write(info)
		mac.Write([]byte{i})
		prev = mac.Sum(nil)
		okm = append(okm, prev...)
	}
	return okm[:len(key)]
}

// TestSubkeyManualHKDF checks the subkey derivation, and the goldens with
// it, against HKDF computed by hand and AES-GCM set up by hand, so the
// goldens are not only consistent with this package.
func TestSubkeyManualHKDF(t *testing.T) {
	for _, key := range [][]byte{key16, key24, key32} {
		for _, sender := range []uint64{1, 0xa1, otherSender, 1<<64 - 1} {
			got, err := subkey(key, sender)
			if want := manualSubkey(key, sender); err != nil || !bytes.Equal(got, want) {
				t.Errorf("subkey(%d-byte key, %x) = %x, %v; want %x", len(key), sender, got, err, want)
			}
		}
	}
	for _, g := range readSealedGoldens(t) {
		sub := manualSubkey(g.key, g.sender)
		if !bytes.Equal(sub, g.subkey) {
			t.Errorf("%s: subkey line %x; manual HKDF gives %x", g.name, g.subkey, sub)
		}
		block, err := aes.NewCipher(sub)
		if err != nil {
			t.Fatal(err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			t.Fatal(err)
		}
		nonce := binary.BigEndian.AppendUint64([]byte{0, 0, 0, 0}, g.counter)
		ad := binary.BigEndian.AppendUint64(bytes.Clone(g.sealed[:20]), g.recipient)
		want := gcm.Seal(bytes.Clone(g.sealed[:20]), nonce, g.plaintext, ad)
		if !bytes.Equal(want, g.sealed) {
			t.Errorf("%s: sealed line differs from AES-GCM under the manual subkey", g.name)
		}
	}
}

// writeCorpus writes the FuzzOpen seed corpus: each golden as received,
// and its tail after the 4-byte prefix FuzzOpen's prefix mode supplies.
func writeCorpus(t *testing.T, goldens []sealedGolden) {
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	for _, f := range old {
		os.Remove(f)
	}
	write := func(name string, mode byte, data []byte) {
		body := fmt.Sprintf("go test fuzz v1\nbyte(%q)\n[]byte(%q)\n", mode, data)
		if err := os.WriteFile(filepath.Join(corpusDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range goldens {
		k := byte(ringIndex(g.key))
		write(g.name, k<<2, g.sealed)
		write(g.name+"_prefixed", k<<2|modePrefix, g.sealed[4:])
		write(g.name+"_plaintext", k<<2|modeAcceptPlaintext, g.plaintext)
	}
}
