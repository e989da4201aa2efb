package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what RunScenarioFile reports.
type fakeTB struct{ errors, fatals []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, a...))
}

// pausedScript pauses node 3 long enough for every other node to remove
// it as failed: a false removal (retry 1 s: 9 rounds + 3 x 1 s at most).
var pausedScript = []string{
	"new nodes=10 seed=3 retry=1s",
	"join every=20ms",
	"run 20s",
	"pause 3",
	"run 20s",
	"check false-removals == 0",
	"removals",
}

func TestFailedCheckSaysWhatAndWhoAndTheRunGoesOn(t *testing.T) {
	res, err := runText(t, pausedScript...)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != len(pausedScript) {
		t.Fatalf("%d steps ran, want all %d: a failed check must not stop the run", len(res.Steps), len(pausedScript))
	}
	fs := res.Failures()
	if len(fs) != 1 {
		t.Fatalf("failures %v, want the false-removals check's alone (a paused node is live, and still listed by no one)", fs)
	}
	msg := fs[0].Error()
	for _, want := range []string{
		"test.txt:16: check false-removals == 0: false-removals is 9, want == 0: removals of live members: node 3 by node ",
		" at t=", "(failed)", "and 4 more",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q\nwant it to contain %q", msg, want)
		}
	}
	if got := res.Steps[5].Got; !strings.HasPrefix(got, "FAIL: false-removals is 9") {
		t.Errorf("the failed check printed %q, want FAIL: and the message", got)
	}
	// allow-removal excuses the paused node; by= excuses what a node
	// removes, not its own removal.
	res, err = runText(t, append(pausedScript[:5:5], "allow-removal 3", "check false-removals == 0", "allow-removal none", "allow-removal by=3", "check false-removals == 9", "allow-removal by=0-2,4-9")...)
	if err != nil || len(res.Failures()) != 0 {
		t.Errorf("with allow-removal: %v %v", err, res.Failures())
	}
	if got := res.Steps[len(res.Steps)-1].Got; got != "removals by nodes 0-9 allowed" {
		t.Errorf("allow-removal printed %q", got)
	}
}

func TestRewriteNeverOverridesAFailedCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.txt")
	var sb strings.Builder
	for _, l := range pausedScript {
		sb.WriteString(l + "\n----\nwhatever was recorded\n\n")
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := &fakeTB{}
	RunScenarioFile(tb, path, TestOptions{Rewrite: true})
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "check false-removals == 0: false-removals is 9") {
		t.Fatalf("with Rewrite: errors %q, want the failed check", tb.errors)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "check false-removals == 0\n----\nFAIL: false-removals is 9") {
		t.Errorf("Rewrite did not record the failed check's output:\n%s", raw)
	}
	// Recorded now, the output matches; the check fails all the same.
	tb = &fakeTB{}
	RunScenarioFile(tb, path, TestOptions{})
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "false-removals is 9") || len(tb.fatals) != 0 {
		t.Errorf("after the rewrite: errors %q fatals %q, want the failed check alone", tb.errors, tb.fatals)
	}
}

func TestRunScenarioFileReportsMismatchesAndCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tb := &fakeTB{}
	RunScenarioFile(tb, write("m.txt", "new nodes=2\n----\n3 nodes\n"), TestOptions{})
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "m.txt:1: new nodes=2\n--- got\n2 nodes, tick 1s, retry 10s\n--- want\n3 nodes") {
		t.Errorf("mismatch: %q", tb.errors)
	}
	tb = &fakeTB{}
	RunScenarioFile(tb, write("e.txt", "new nodes=2\n----\n\njoin evry=1s\n----\n"), TestOptions{})
	if len(tb.fatals) != 1 || !strings.Contains(tb.fatals[0], `e.txt:4: join evry=1s: join: unknown argument "evry"`) {
		t.Errorf("command error: %q", tb.fatals)
	}
}

func TestCheckRemovedMeasuresFromTheCrashAndFailsPastWithin(t *testing.T) {
	base := []string{"new nodes=10 seed=3 retry=1s", "join every=20ms", "run 20s", "crash 4"}
	res, err := runText(t, append(base, "run 200ms", "check removed 4 within=1s")...)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Failures()
	if len(f) != 1 || !strings.Contains(f[0].Message, "still listed 1s after it stopped: node 4 by ") {
		t.Fatalf("failures %v", f)
	}
	// The check ended at its deadline, crash + 1s, not check + 1s.
	if got := res.Steps[4].Got; got != "t=20.38s" {
		t.Fatalf("run printed %q", got)
	}
	res, err = runText(t, append(base, "check removed 4 within=1m", "check removed 4 within=1m p50=1ms")...)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Steps[4].Got; !strings.HasPrefix(got, "node 4 removed from every live table: p50 ") {
		t.Errorf("check removed printed %q", got)
	}
	if f := res.Failures(); len(f) != 1 || !strings.Contains(f[0].Message, "; the median is past p50=1ms") {
		t.Errorf("p50 bound: failures %v", f)
	}
}

func TestChecksThatWaitAndChecksThatFailOnState(t *testing.T) {
	res, err := runText(t,
		"new nodes=9 seed=3 retry=1s",
		"join every=20ms",
		"run 10s",
		"partition 0-2 | 3-5",
		"crash 8",
		"check known 8",
		"run 40s", // long enough for every group to remove the others, at any probe order
		"check members complete",
		"restart 8 via=6",
		"check incomplete == 0 within=2s",
		"heal",
		"check incomplete == 0 within=2m",
		"check members complete",
		"check deliveries complete",
		"check live == 9",
		"check down != 0",
	)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{
		6:  "node 8 is down",
		8:  "8 of 8 live nodes incomplete: node 0 misses 3-7; node 1 misses 3-7;",
		10: "incomplete is ",
		16: "down is 0, want != 0",
	}
	for _, f := range res.Failures() {
		step := (f.Line-1)/3 + 1
		w, ok := want[step]
		if !ok || !strings.Contains(f.Message, w) {
			t.Errorf("unexpected failure %v", f)
		}
		delete(want, step)
	}
	for step, w := range want {
		t.Errorf("step %d did not fail with %q", step, w)
	}
	if got := res.Steps[11].Got; !strings.HasPrefix(got, "incomplete 0 after ") {
		t.Errorf("the waiting check printed %q", got)
	}
}
