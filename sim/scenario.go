package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tickgossip/gossip"
)

// RunOptions adjust how a scenario runs.
type RunOptions struct {
	// Config, when set, adjusts every node's configuration after the
	// script's own settings (new's keys): to give the nodes your OnData
	// or your own Config fields, say.
	Config func(node int, cfg *gossip.Config)
	// Seed, when not 0, replaces the seed of every new command: the same
	// script, another run (to look for the seed that breaks a check).
	Seed uint64
	// Progress, when set, is called after each step with its result, as
	// gossipsim prints them.
	Progress func(StepResult)
}

// StepResult is what one step of a run printed and whether its assertion
// held.
type StepResult struct {
	Step
	// Got is what the command printed now (Output is what was recorded).
	Got string
	// Failure is set when the step is an assertion (check) that did not
	// hold; Got then begins with "FAIL: ".
	Failure *AssertionError
}

// Result is a scenario run: the steps it ran, in order.
type Result struct {
	Steps []StepResult
}

// Failures returns the assertions that did not hold, in order.
func (res *Result) Failures() []*AssertionError {
	var out []*AssertionError
	for _, st := range res.Steps {
		if st.Failure != nil {
			out = append(out, st.Failure)
		}
	}
	return out
}

// Mismatches returns the steps whose output differs from the recorded
// one.
func (res *Result) Mismatches() []StepResult {
	var out []StepResult
	for _, st := range res.Steps {
		if st.Got != st.Output {
			out = append(out, st)
		}
	}
	return out
}

// AssertionError is an assertion of a scenario that did not hold.
type AssertionError struct {
	Scenario string // the scenario's name
	Line     int
	Command  string
	Message  string // what did not hold, and the first offenders
}

// Error returns "script:line: command: message".
func (e *AssertionError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.Scenario, e.Line, e.Command, e.Message)
}

// CommandError is a step that could not run: an unknown command, an
// argument it does not take, a value it cannot parse, a node that does
// not exist, or an error of the library. The run stops there.
type CommandError struct {
	Scenario string
	Line     int
	Command  string
	Err      error
}

// Error returns "script:line: command: what is wrong".
func (e *CommandError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %v", e.Scenario, e.Line, e.Command, e.Err)
}

// Unwrap returns the underlying error (a gossip error, say, for errors.Is).
func (e *CommandError) Unwrap() error { return e.Err }

// failed is what an assertion command returns when it does not hold.
type failed struct{ msg string }

func (f *failed) Error() string { return f.msg }

func failf(format string, a ...any) error { return &failed{fmt.Sprintf(format, a...)} }

// Check checks every step's command and arguments without running
// anything, so that a typo near the end of a long scenario is found
// before the rest runs. What depends on the simulation (a node index
// past the cluster, a set not yet picked) is found when the step runs.
func (sc *Scenario) Check() error {
	for _, st := range sc.Steps {
		if _, err := parseLine(st.Command, commandTable); err != nil {
			return &CommandError{Scenario: sc.Name, Line: st.Line, Command: st.Command, Err: err}
		}
	}
	return nil
}

// Run checks the scenario (Check), then runs its steps in order, on a
// new simulation each time the script says new. A failed assertion is
// recorded in its step and the run goes on; a step that cannot run stops
// it with a *CommandError, and the Result holds the steps before it. The
// recorded outputs play no part in a run: compare them with
// Result.Mismatches.
func (sc *Scenario) Run(opt RunOptions) (*Result, error) {
	res := &Result{}
	if err := sc.Check(); err != nil {
		return res, err
	}
	r := &runner{name: sc.Name, opt: opt}
	for _, st := range sc.Steps {
		out, err := r.exec(st.Command)
		sr := StepResult{Step: st, Got: strings.TrimRight(out, "\n")}
		if f := (*failed)(nil); errors.As(err, &f) {
			sr.Failure = &AssertionError{Scenario: sc.Name, Line: st.Line, Command: st.Command, Message: f.msg}
			sr.Got = "FAIL: " + f.msg
			err = nil
		}
		if err != nil {
			return res, &CommandError{Scenario: sc.Name, Line: st.Line, Command: st.Command, Err: err}
		}
		res.Steps = append(res.Steps, sr)
		if opt.Progress != nil {
			opt.Progress(sr)
		}
	}
	return res, nil
}

// runner executes scenario commands against one simulation at a time.
type runner struct {
	name string
	opt  RunOptions
	s    *Sim
	tick time.Duration
	// batch is the index in Payloads of the first payload of the last
	// send, for metrics.
	batch int
	// modes are per-node settings that replace the simulation's Keys when
	// a node (re)starts (keys roll).
	modes map[int]sealMode
	// sets are the node sets named with pick; allowed, the nodes whose
	// removal is not a false one, and allowedBy, those whose removals of
	// others are not (allow-removal); window, when removals began to
	// count (removals reset).
	sets      map[string][]int
	allowed   map[int]bool
	allowedBy map[int]bool
	window    time.Duration
	// The drivers: a timer whose generation no longer matches stops.
	trafficGen, trafficSent int
	pausesGen, pausesDone   int
}

func (r *runner) exec(line string) (string, error) {
	a, err := parseLine(line, commandTable)
	if err != nil {
		return "", err
	}
	if r.s == nil && !a.cmd.noSim {
		return "", fmt.Errorf("no simulation yet: the script starts with new")
	}
	return a.cmd.run(r, a)
}

// live returns the nodes that are up, paused or not.
func (r *runner) live() []*Node {
	var l []*Node
	for _, n := range r.s.Nodes() {
		if n.Up {
			l = append(l, n)
		}
	}
	return l
}

// needTracking is the error of a command that reads the tracked tables
// when new track=0 turned them off.
func (r *runner) needTracking(cmd string) error {
	if r.s.Tracking() {
		return nil
	}
	return fmt.Errorf("%s reads the member tables the simulator tracks, which new track=0 turned off", cmd)
}

// at formats a virtual time for messages.
func at(d time.Duration) string { return "t=" + d.Round(time.Millisecond).String() }

// ms rounds a duration for output.
func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
