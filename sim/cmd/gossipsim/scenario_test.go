package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScenarioExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	steps := "new nodes=10 seed=3 retry=1s\n----\n\njoin every=20ms\n----\n\nrun 20s\n----\n\npause 3\n----\n\nrun 20s\n----\n\n"
	for _, c := range []struct {
		name, text string
		strict     bool
		code       int
		stderr     string
	}{
		{"ok.txt", steps + "check removed 3 within=25s\n----\n", false, 0, "6 commands, 0 checks failed, 0 outputs differ"},
		{"fail.txt", steps + "check false-removals == 0\n----\n", false, 1, "FAIL " + filepath.Join(dir, "fail.txt") + ":16: check false-removals == 0: false-removals is 9"},
		{"differ.txt", "new nodes=2\n----\n3 nodes\n", false, 0, "differ.txt:1: output differs from the recorded one"},
		{"strict.txt", "new nodes=2\n----\n3 nodes\n", true, 1, "1 outputs differ"},
		{"bad.txt", "new nodes=2\n----\n\njoin evry=20ms\n----\n", false, 2, `bad.txt:4: join evry=20ms: join: unknown argument "evry" (join takes every)`},
	} {
		var out, errb bytes.Buffer
		code := runScenario(write(c.name, c.text), 0, c.strict, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.stderr) {
			t.Errorf("%s: exit %d, stderr\n%s\nwant exit %d and %q", c.name, code, errb.String(), c.code, c.stderr)
		}
	}
}
