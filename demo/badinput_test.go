package demo_test

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testBadInput runs the programs with bad input: each prints one line on
// stderr and exits 2.
func testBadInput(t *testing.T, b bins) {
	// A socket that is bound and never read: its port is in use, and a
	// Hello sent to it is never answered.
	held, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	heldAddr := fmt.Sprintf("/ip4/127.0.0.1/udp/%d", held.LocalAddr().(*net.UDPAddr).Port)
	dir := t.TempDir()
	notBase64 := filepath.Join(dir, "not-base64")
	shortKey := filepath.Join(dir, "short")
	if err := os.WriteFile(notBase64, []byte("not a key!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shortKey, []byte(base64.StdEncoding.EncodeToString(make([]byte, 10))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, bin string
		args      []string
		want      string
	}{
		{"InvalidMultiaddr", b.seed, []string{"-addr", "127.0.0.1:8080"}, "for flag -addr"},
		{"NotUDP", b.seed, []string{"-addr", "/ip4/127.0.0.1/tcp/8080"}, "not a UDP address"},
		{"PortInUse", b.seed, []string{"-addr", heldAddr}, "address already in use"},
		{"SeedNotUDP", b.node, []string{"-seed", "/dns4/localhost/tcp/8080"}, "not a UDP address"},
		{"NoSeedAnswers", b.node, []string{"-seed", heldAddr, "-retry", "100ms"}, "no seed answered"},
		{"LogLevel", b.node, []string{"-log-level", "loud"}, "-log-level"},
		{"UnknownFlag", b.cluster, []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"TooFewNodes", b.cluster, []string{"-nodes", "1"}, "-nodes 1"},
		{"Fanout", b.cluster, []string{"-fanout", "9"}, "-fanout 9"},
		{"KeyFileMissing", b.seed, []string{"-key-file", filepath.Join(dir, "absent")}, "cannot read key file"},
		{"KeyFileNotBase64", b.node, []string{"-key-file", notBase64}, "not one key in standard base64"},
		{"KeyFileWrongSize", b.cluster, []string{"-key-file", shortKey}, "key of 10 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, tc.bin, tc.args...)
			if code := p.wait(t, within); code != 2 {
				t.Fatalf("exit status %d, want 2; stderr: %s", code, p.stderr.String())
			}
			checkOneLine(t, p.stderr.String(), tc.want)
		})
	}
}

// checkOneLine fails unless stderr is exactly one line containing want.
func checkOneLine(t *testing.T, stderr, want string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q: want one line containing %q", stderr, want)
	}
}
