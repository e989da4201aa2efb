package demo_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testWrongKey runs a seed with one key and a node with another: the seed
// logs the node's first contacts it could not open at warn (once, for
// all six: three Joins and the three Hellos that follow them for a seed
// of the base format) and its stats count them as drops; the node gives up with a
// message that says why the seed may have stayed silent, instead of only
// "no seed answered".
func testWrongKey(t *testing.T, b bins) {
	dir := t.TempDir()
	keyFile := func(name string, fill byte) string {
		raw := make([]byte, 32)
		for i := range raw {
			raw[i] = fill + byte(i)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fast := []string{"-json", "-tick", "100ms", "-retry", "200ms"}
	seed := start(t, b.seed, append([]string{"-addr", "/ip4/127.0.0.1/udp/0", "-key-file", keyFile("a.key", 1)}, fast...)...)
	seedAddr := seed.waitFor(t, within, "its address", msg("listening"))["addr"].(string)
	node := start(t, b.node, append([]string{"-addr", "/ip4/127.0.0.1/udp/0", "-seed", seedAddr, "-key-file", keyFile("b.key", 2)}, fast...)...)
	if code := node.wait(t, within); code != 2 {
		t.Fatalf("node exit status %d, want 2; stderr %q", code, node.stderr.String())
	}
	if got := node.stderr.String(); !strings.Contains(got, "holds none of our keys") {
		t.Fatalf("node's message %q does not say why", got)
	}
	warn := seed.waitFor(t, within, "a warning", func(m map[string]any) bool {
		return m["level"] == "warn" && strings.HasPrefix(m["message"].(string), "datagram not read")
	})
	if warn["reason"] != "no_key" {
		t.Fatalf("seed warned %v", warn)
	}
	seed.signal(t, syscall.SIGTERM)
	seed.wait(t, within)
	stats := seed.waitFor(t, within, "its stats", msg("stats"))
	if stats["drops"] != float64(6) || stats["drops_no_key"] != float64(6) {
		t.Fatalf("seed stats %v; want drops=6, drops_no_key=6", stats)
	}
}
