package sim

import (
	"fmt"
	"os"
	"strings"
)

// TB is the part of testing.TB the scenario test helper uses, so this
// package need not import testing.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// TestOptions adjust RunScenarioFile.
type TestOptions struct {
	RunOptions
	// Rewrite writes what the commands printed into the file as the new
	// recorded output, instead of comparing (review the diff). It never
	// excuses a failed assertion: the test fails all the same.
	Rewrite bool
}

// RunScenarioFile runs the scenario script at path as a test: each
// command's output must equal the recorded one (or, with Rewrite,
// replaces it), and every check must hold. A command that cannot run
// (an unknown command or argument, a bad value) ends the test with
// Fatalf, naming the file, line and command. Call it from your own
// tests:
//
//	func TestFailover(t *testing.T) {
//		sim.RunScenarioFile(t, "testdata/failover.txt", sim.TestOptions{Rewrite: *rewrite})
//	}
func RunScenarioFile(t TB, path string, opt TestOptions) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	sc, err := ParseScenario(path, raw)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	res, err := sc.Run(opt.RunOptions)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	for _, f := range res.Failures() {
		t.Errorf("%v", f)
	}
	if opt.Rewrite {
		if err := os.WriteFile(path, sc.Rewrite(res), 0o644); err != nil {
			t.Fatalf("%v", err)
		}
		return
	}
	for _, m := range res.Mismatches() {
		t.Errorf("%s", describeMismatch(path, m))
	}
}

func describeMismatch(path string, m StepResult) string {
	return fmt.Sprintf("%s:%d: %s\n--- got\n%s\n--- want\n%s\n(rerun with the test's -rewrite to record the new output, and review the diff)",
		path, m.Line, strings.TrimSpace(m.Command), m.Got, m.Output)
}
