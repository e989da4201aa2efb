package demo_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// testCluster runs the cluster demo with its defaults: it finishes by
// itself, exits 0 and ends with one summary row per payload.
func testCluster(t *testing.T, b bins, args ...string) {
	p := start(t, b.cluster, args...)
	if code := p.wait(t, 3*within); code != 0 {
		t.Fatalf("exit status %d; stderr: %s\nstdout:\n%s", code, p.stderr.String(), p.out.String())
	}
	out := p.out.String()
	if !strings.Contains(out, "ms to 50%") || !strings.Contains(out, "datagrams") {
		t.Fatalf("no summary table in:\n%s", out)
	}
	rows := regexp.MustCompile(`(?m)^\s+\d+\s+n\d+\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+$`).FindAllString(out, -1)
	if len(rows) != 5 {
		t.Fatalf("%d summary rows, want 5 (the default -payloads):\n%s", len(rows), out)
	}
}

// testClusterTimeout gives the cluster no time at all: one line on
// stderr and exit status 1.
func testClusterTimeout(t *testing.T, b bins) {
	p := start(t, b.cluster, "-timeout", "1ns")
	if code := p.wait(t, within); code != 1 {
		t.Fatalf("exit status %d, want 1; stderr: %s", code, p.stderr.String())
	}
	checkOneLine(t, p.stderr.String(), "did not form within")
	if !strings.Contains(p.stderr.String(), "try a longer -timeout") {
		t.Errorf("the timeout line suggests no -timeout: %s", p.stderr.String())
	}
}

// testSealedCluster runs the cluster demo with a key file: every datagram
// is sealed, and every payload still reaches every node.
func testSealedCluster(t *testing.T, b bins) {
	key := filepath.Join(t.TempDir(), "cluster.key")
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	if err := os.WriteFile(key, []byte("  "+base64.StdEncoding.EncodeToString(raw)+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	testCluster(t, b, "-key-file", key)
}
