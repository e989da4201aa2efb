package label

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/transport"
)

// ack is an Ack of seq 7, with header seq 4 (testdata/wire/ack.txt).
var ack = []byte{0, 4, 1, 0, 0, 0, 0, 4, 0, 0, 0, 7}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"", "a", "mimir", "loki-prod/eu_1", strings.Repeat("x", 64), "!~"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"with space", "tab\t", "\x00", "é", strings.Repeat("x", 65), "\x7f"} {
		if err := Check(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestWrapUnwrap(t *testing.T) {
	w := Wrap(nil, "mimir", ack)
	if want := append([]byte{0, 16, 1, 5, 'm', 'i', 'm', 'i', 'r'}, ack...); !bytes.Equal(w, want) {
		t.Fatalf("Wrap = %x, want %x", w, want)
	}
	if len(w) != len(ack)+Overhead("mimir") || Overhead("") != 0 {
		t.Fatal("Overhead")
	}
	for _, c := range []struct {
		b     []byte
		label string
		want  Verdict
		inner []byte
	}{
		{w, "mimir", Ours, ack},
		{w, "loki", Other, nil},
		{w, "mimi", Other, nil},
		{w, "", Other, nil},
		{ack, "", Ours, ack},
		{ack, "mimir", Unlabelled, nil},
		{nil, "mimir", Unlabelled, nil},
		{nil, "", Ours, nil},
		{w[:3], "mimir", Malformed, nil},
		{w[:8], "mimir", Malformed, nil},
		{w[:9], "mimir", Ours, []byte{}},
		{with(w, 2, 2), "mimir", Malformed, nil},
		{with(w, 3, 0), "mimir", Malformed, nil},
		{with(w, 3, 65), "mimir", Malformed, nil},
	} {
		inner, v := Unwrap(c.b, c.label)
		if v != c.want || !bytes.Equal(inner, c.inner) {
			t.Errorf("Unwrap(%x, %q) = %x, %v; want %x, %v", c.b, c.label, inner, v, c.inner, c.want)
		}
	}
	if got := Wrap(nil, "", ack); !bytes.Equal(got, ack) {
		t.Errorf("Wrap without a label = %x", got)
	}
}

func with(b []byte, off int, v byte) []byte {
	b = bytes.Clone(b)
	b[off] = v
	return b
}

// TestGoldenVectors checks testdata/label both ways: each file's label
// and inner datagram wrap to its hex, and the hex unwraps to them.
func TestGoldenVectors(t *testing.T) {
	files, err := filepath.Glob("../../testdata/label/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no label goldens: %v", err)
	}
	for _, f := range files {
		fields := readFields(t, f)
		if _, sealed := fields["sealed"]; sealed {
			continue // a sealed vector: internal/seal checks it
		}
		b, inner := unhex(t, f, fields["hex"]), unhex(t, f, fields["inner"])
		if got := Wrap(nil, fields["label"], inner); !bytes.Equal(got, b) {
			t.Errorf("%s: Wrap = %x, want %x", f, got, b)
		}
		if got, v := Unwrap(b, fields["label"]); v != Ours || !bytes.Equal(got, inner) {
			t.Errorf("%s: Unwrap = %x, %v", f, got, v)
		}
	}
}

func readFields(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); !strings.HasPrefix(l, "#") && strings.TrimSpace(l) != "" {
			k, v, _ := strings.Cut(l, ":")
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func unhex(t testing.TB, f, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return b
}

// TestTransport: what one labelled transport writes, another of the same
// label reads back, and one of another label, or none, drops and counts;
// without allocating once warm.
func TestTransport(t *testing.T) {
	n := memnet.New()
	a := New(n.Listen(memnet.Addr(1)), "alpha")
	b := New(n.Listen(memnet.Addr(2)), "alpha")
	epC := n.Listen(memnet.Addr(3))
	c := New(epC, "beta")
	var dropped []Verdict
	c.OnDropped = func(_ netip.AddrPort, v Verdict) { dropped = append(dropped, v) }
	buf := make([]byte, 513)
	for _, to := range []netip.AddrPort{memnet.Addr(2), memnet.Addr(3)} {
		if err := a.WriteTo(ack, to); err != nil {
			t.Fatal(err)
		}
	}
	if k, from, err := b.ReadFrom(buf); err != nil || !bytes.Equal(buf[:k], ack) || from != memnet.Addr(1) {
		t.Fatalf("same label: %x from %v, %v", buf[:k], from, err)
	}
	epC.Inject(memnet.Addr(9), ack) // unlabelled
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("another label read: %v", err)
	}
	if s := c.Stats(); s.Other != 1 || s.Unlabelled != 1 || s.Dropped() != 2 || len(dropped) != 2 {
		t.Fatalf("stats %+v, dropped %v", s, dropped)
	}
	if got := testing.AllocsPerRun(200, func() {
		if err := a.WriteTo(ack, memnet.Addr(2)); err != nil {
			panic(err)
		}
		if _, _, err := b.ReadFrom(buf); err != nil {
			panic(err)
		}
	}); got != 0 {
		t.Errorf("%v allocations per datagram", got)
	}
}

// FuzzUnwrap: Unwrap never panics, returns an inner datagram only for
// the label asked for, and what it returns wraps back to the input.
func FuzzUnwrap(f *testing.F) {
	f.Add(Wrap(nil, "mimir", ack), "mimir")
	f.Add(Wrap(nil, "mimir", ack), "loki")
	f.Add(ack, "")
	f.Add(ack, "mimir")
	f.Add([]byte{0, 16, 1, 64}, "x")
	f.Add([]byte{0, 16}, "")
	f.Fuzz(func(t *testing.T, b []byte, l string) {
		if Check(l) != nil {
			return
		}
		inner, v := Unwrap(b, l)
		if v != Ours {
			return
		}
		if got := Wrap(nil, l, inner); !bytes.Equal(got, b) {
			t.Fatalf("Unwrap(%x, %q) = %x, which wraps to %x", b, l, inner, got)
		}
	})
}
