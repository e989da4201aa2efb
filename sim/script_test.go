package sim

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in testdata/scenarios")

// TestScenarios runs every script in testdata/scenarios. Run with
// -rewrite to write what the commands print as the new expectation, then
// review the diff; a failing check fails the test either way.
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
			if (testing.Short() || raceEnabled) && strings.Contains(string(raw), "# long") {
				t.Skip("long scenario: runs without -race and -short (see .ci/run)")
			}
			RunScenarioFile(t, f, TestOptions{Rewrite: *rewrite})
		})
	}
}
