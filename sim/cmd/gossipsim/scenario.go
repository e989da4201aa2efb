package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tickgossip/gossip/sim"
)

// runScenario runs a scenario file and prints, as each command finishes,
// the command, ---- and what it printed: the script as it ran, which can
// replace the file's steps. Notes go to stderr: each output that differs
// from the one recorded (a step with none recorded is new, and not
// compared), and at the end each check that failed. It
// returns the exit code: 0, 1 if a check failed (or, with strict, an
// output differs), 2 if the script could not run.
func runScenario(path string, seed uint64, strict bool, stdout, stderr io.Writer) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "gossipsim:", err)
		return 2
	}
	sc, err := sim.ParseScenario(path, raw)
	if err != nil {
		fmt.Fprintln(stderr, "gossipsim:", err)
		return 2
	}
	differ := 0
	res, err := sc.Run(sim.RunOptions{Seed: seed, Progress: func(st sim.StepResult) {
		fmt.Fprintf(stdout, "%s\n----\n", strings.TrimSpace(st.Command))
		if st.Got != "" {
			fmt.Fprintln(stdout, st.Got)
		}
		fmt.Fprintln(stdout)
		if st.Failure == nil && st.Output != "" && st.Got != st.Output {
			differ++
			fmt.Fprintf(stderr, "%s:%d: output differs from the recorded one\n", path, st.Line)
		}
	}})
	if err != nil {
		fmt.Fprintln(stderr, "gossipsim:", err)
		return 2
	}
	failed := res.Failures()
	fmt.Fprintf(stderr, "%s: %d commands, %d checks failed, %d outputs differ from the recorded ones\n", path, len(res.Steps), len(failed), differ)
	for _, f := range failed {
		fmt.Fprintln(stderr, "FAIL", f)
	}
	if len(failed) > 0 || (strict && differ > 0) {
		return 1
	}
	return 0
}
