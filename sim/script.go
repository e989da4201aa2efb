package sim

import (
	"fmt"
	"strings"
)

// Scenario is a parsed scenario script (see the package documentation
// for the format and the commands). Parse it with ParseScenario, run it
// with Run.
type Scenario struct {
	// Name names the script in messages: its file name, say.
	Name  string
	Steps []Step
	tail  []string // comment and blank lines after the last step
}

// Step is one command of a scenario and the output recorded under it.
type Step struct {
	Line    int    // the command's line in the script, from 1
	Command string // the command line as written
	Output  string // the recorded output, without the final newline
	pre     []string
}

// ParseScenario parses a scenario script:
//
//	# comments and blank lines between steps are kept as they are
//	command key=value ...
//	----
//	the output recorded for it, one or more lines,
//	ended by a blank line or the end of the script
//
// It checks the layout only; Run checks the commands and their
// arguments.
func ParseScenario(name string, text []byte) (*Scenario, error) {
	sc := &Scenario{Name: name}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n"), "\n")
	var pre []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			pre = append(pre, l)
			continue
		}
		if l == "----" {
			return nil, fmt.Errorf("%s:%d: ---- without a command above it", name, i+1)
		}
		st := Step{pre: pre, Command: l, Line: i + 1}
		pre = nil
		if i+1 >= len(lines) || lines[i+1] != "----" {
			return nil, fmt.Errorf("%s:%d: %s: no ---- line under the command (every command is followed by ----, then its output, then a blank line)", name, i+1, st.Command)
		}
		i += 2
		var out []string
		for ; i < len(lines) && lines[i] != ""; i++ {
			out = append(out, lines[i])
		}
		st.Output = strings.Join(out, "\n")
		sc.Steps = append(sc.Steps, st)
	}
	sc.tail = pre
	return sc, nil
}

// Format writes the scenario back in its script form, with each step's
// Output as the recorded output: what ParseScenario read, byte for byte,
// if nothing changed.
func (sc *Scenario) Format() []byte {
	var sb strings.Builder
	for _, st := range sc.Steps {
		for _, p := range st.pre {
			sb.WriteString(p + "\n")
		}
		sb.WriteString(st.Command + "\n----\n")
		if st.Output != "" {
			sb.WriteString(st.Output + "\n")
		}
		sb.WriteString("\n")
	}
	for _, p := range sc.tail {
		sb.WriteString(p + "\n")
	}
	return []byte(strings.TrimRight(sb.String(), "\n") + "\n")
}

// Rewrite returns the script with each step's recorded output replaced
// by what res printed for it (the -rewrite of a test). Steps res did not
// reach keep theirs.
func (sc *Scenario) Rewrite(res *Result) []byte {
	out := *sc
	out.Steps = append([]Step(nil), sc.Steps...)
	for i, sr := range res.Steps {
		if i < len(out.Steps) {
			out.Steps[i].Output = sr.Got
		}
	}
	return out.Format()
}
