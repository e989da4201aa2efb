package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatReproducesEveryScenarioByteForByte(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*.txt")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := ParseScenario(f, raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.Format(); !bytes.Equal(got, raw) {
			t.Errorf("%s: Format differs from the file", f)
		}
	}
}

func TestParseScenarioKeepsCommentsLinesAndOutput(t *testing.T) {
	sc, err := ParseScenario("s", []byte("# a comment\n\nnew nodes=2\n----\n2 nodes\nmore\n\n# tail\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Steps) != 1 {
		t.Fatalf("%d steps", len(sc.Steps))
	}
	st := sc.Steps[0]
	if st.Line != 3 || st.Command != "new nodes=2" || st.Output != "2 nodes\nmore" {
		t.Errorf("step %+v", st)
	}
	if got := string(sc.Format()); got != "# a comment\n\nnew nodes=2\n----\n2 nodes\nmore\n\n# tail\n" {
		t.Errorf("format %q", got)
	}
}

func TestParseScenarioRejectsABrokenLayout(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"new nodes=2\nrun 1s\n----\n", "s:1: new nodes=2: no ---- line under the command"},
		{"new nodes=2", "s:1: new nodes=2: no ---- line"},
		{"----\nfoo\n", "s:1: ---- without a command above it"},
	} {
		_, err := ParseScenario("s", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.text, err, c.want)
		}
	}
}
