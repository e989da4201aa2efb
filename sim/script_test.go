package sim

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in testdata/scenarios")

// block is one command of a scenario script and the output it must print.
//
//	# comments and blank lines between blocks are kept as they are
//	command arg=value ...
//	----
//	expected output, one or more lines, ended by a blank line or the end
type block struct {
	pre    []string // comment and blank lines before the command
	cmd    string
	want   string
	line   int
	hasOut bool
}

func parseScript(text string) ([]block, []string, error) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var blocks []block
	var pre []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			pre = append(pre, l)
			continue
		}
		b := block{pre: pre, cmd: l, line: i + 1}
		pre = nil
		if i+1 < len(lines) && lines[i+1] == "----" {
			b.hasOut = true
			i += 2
			var out []string
			for ; i < len(lines) && lines[i] != ""; i++ {
				out = append(out, lines[i])
			}
			b.want = strings.Join(out, "\n")
		} else {
			return nil, nil, fmt.Errorf("line %d: command without ---- line", i+1)
		}
		blocks = append(blocks, b)
	}
	return blocks, pre, nil
}

func formatScript(blocks []block, tail []string) string {
	var sb strings.Builder
	for _, b := range blocks {
		for _, p := range b.pre {
			sb.WriteString(p + "\n")
		}
		sb.WriteString(b.cmd + "\n----\n")
		if b.want != "" {
			sb.WriteString(b.want + "\n")
		}
		sb.WriteString("\n")
	}
	for _, p := range tail {
		sb.WriteString(p + "\n")
	}
	return strings.TrimRight(sb.String(), "\n") + "\n"
}

// TestScenarios runs every script in testdata/scenarios. Run with
// -rewrite to write what the commands print as the new expectation, then
// review the diff.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("../testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			blocks, tail, err := parseScript(string(raw))
			if err != nil {
				t.Fatal(err)
			}
			if (testing.Short() || raceEnabled) && strings.Contains(string(raw), "# long") {
				t.Skip("long scenario: runs without -race and -short (see .ci/run)")
			}
			r := &runner{t: t}
			for i := range blocks {
				b := &blocks[i]
				got, err := r.exec(b.cmd)
				if err != nil {
					t.Fatalf("%s:%d: %s: %v", f, b.line, b.cmd, err)
				}
				got = strings.TrimRight(got, "\n")
				if *rewrite {
					b.want = got
					continue
				}
				if got != b.want {
					t.Errorf("%s:%d: %s\n--- got\n%s\n--- want\n%s", f, b.line, b.cmd, got, b.want)
				}
			}
			if *rewrite {
				if err := os.WriteFile(f, []byte(formatScript(blocks, tail)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
