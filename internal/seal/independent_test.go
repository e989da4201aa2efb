package seal

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
)

// independentVectors is a verbatim copy of the shared design's
// sealed-v2-vectors.txt: vectors computed by an implementation written
// apart from this one, straight from the wire format.
const independentVectors = "../../testdata/sealed/independent/sealed-v2-vectors.txt"

// independentVector is one block of that file.
type independentVector struct {
	line                       int
	key, subkey, inner, sealed []byte
	sender, counter, recipient uint64
	verdict                    string
}

// readIndependentVectors parses the file: "# " comments, and blocks of
// "name value" lines separated by blank lines; integers are decimal, byte
// strings hex, and an inner line may end in a parenthesised note.
func readIndependentVectors(t testing.TB) []independentVector {
	t.Helper()
	f, err := os.Open(independentVectors)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out  []independentVector
		cur  map[string]string
		from int
	)
	flush := func() {
		if cur == nil {
			return
		}
		v := independentVector{line: from, verdict: cur["verdict"]}
		for name, dst := range map[string]*[]byte{"key": &v.key, "subkey": &v.subkey, "inner": &v.inner, "sealed": &v.sealed} {
			b, err := hex.DecodeString(cur[name])
			if err != nil || len(b) == 0 {
				t.Fatalf("%s:%d: %s: %q is not hex", independentVectors, from, name, cur[name])
			}
			*dst = b
		}
		for name, dst := range map[string]*uint64{"sender": &v.sender, "counter": &v.counter, "recipient": &v.recipient} {
			n, err := strconv.ParseUint(cur[name], 10, 64)
			if err != nil {
				t.Fatalf("%s:%d: %s: %v", independentVectors, from, name, err)
			}
			*dst = n
		}
		out = append(out, v)
		cur = nil
	}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			flush()
		default:
			name, value, _ := strings.Cut(line, " ")
			if cur == nil {
				cur, from = map[string]string{}, n
			}
			value = strings.TrimSpace(value)
			if name == "inner" {
				value, _, _ = strings.Cut(value, " ")
			}
			cur[name] = value
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return out
}

// TestIndependentVectors checks this implementation against the vectors
// of one written apart from it: the subkey, the sealed bytes exactly, the
// plaintext Open gives back, and each vector's verdict as a Transport
// reaches it (opens at its recipient and at no other node; a Hello sealed
// for recipient 0 opens anywhere; anything else sealed for 0 is dropped as
// misaddressed).
func TestIndependentVectors(t *testing.T) {
	vs := readIndependentVectors(t)
	if len(vs) < 4 {
		t.Fatalf("%d vectors in %s", len(vs), independentVectors)
	}
	sizes := map[int]bool{}
	zero, known := false, false
	for _, v := range vs {
		sizes[len(v.key)] = true
		zero = zero || v.recipient == 0
		known = known || v.recipient != 0
		sub, err := subkey(v.key, v.sender)
		if err != nil || !bytes.Equal(sub, v.subkey) {
			t.Errorf("line %d: subkey %x, %v; want %x", v.line, sub, err, v.subkey)
		}
		got, err := Seal(nil, v.key, v.sender, v.recipient, v.counter, v.inner)
		if err != nil || !bytes.Equal(got, v.sealed) {
			t.Errorf("line %d: Seal = %x, %v\nwant %x", v.line, got, err, v.sealed)
		}
		pt, sender, counter, err := Open(nil, v.key, v.sealed, v.recipient)
		if err != nil || !bytes.Equal(pt, v.inner) || sender != v.sender || counter != v.counter {
			t.Errorf("line %d: Open = %x, %d, %d, %v", v.line, pt, sender, counter, err)
		}

		// The verdict, at the recipient and at a bystander.
		read := func(self uint64) Stats {
			n := memnet.New()
			ep := n.Listen(addrB)
			tr := New(ep, mustRing(t, v.key), self, startB, Options{})
			ep.Inject(addrX, v.sealed)
			drain(t, tr)
			return tr.Stats()
		}
		bystander := v.recipient ^ 0x5a5a5a5a5a5a5a5a
		switch {
		case strings.HasPrefix(v.verdict, "opens at recipient 0"):
			if s := read(bystander); s.Opened != 1 || !isHello(v.inner) {
				t.Errorf("line %d: %s, but a node read it as %+v", v.line, v.verdict, s)
			}
		case strings.HasPrefix(v.verdict, "opens at recipient"):
			if s := read(v.recipient); s.Opened != 1 {
				t.Errorf("line %d: %s, but the recipient read it as %+v", v.line, v.verdict, s)
			}
			if s := read(bystander); s.NoKey != 1 || s.Opened != 0 {
				t.Errorf("line %d: %s, but another node read it as %+v", v.line, v.verdict, s)
			}
		case strings.HasPrefix(v.verdict, "dropped"):
			if s := read(bystander); s.Misaddressed != 1 || s.Opened != 0 {
				t.Errorf("line %d: %s, but a node read it as %+v", v.line, v.verdict, s)
			}
		default:
			t.Errorf("line %d: verdict %q not understood", v.line, v.verdict)
		}
	}
	if !sizes[16] || !sizes[24] || !sizes[32] || !zero || !known {
		t.Errorf("vectors cover key sizes %v, recipient 0 %v, known recipient %v", sizes, zero, known)
	}
}

// TestIndependentVectorsAreTheSharedFile guards the copy: it must stay the
// shared design's file, byte for byte, when that file is at hand.
func TestIndependentVectorsAreTheSharedFile(t *testing.T) {
	const shared = "../../../shared/design/sealed-v2-vectors.txt"
	want, err := os.ReadFile(shared)
	if err != nil {
		t.Skipf("no shared design beside the repository: %v", err)
	}
	got, err := os.ReadFile(independentVectors)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s: copy it again", independentVectors, shared)
	}
}
