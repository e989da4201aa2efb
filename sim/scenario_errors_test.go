package sim

import (
	"errors"
	"github.com/tickgossip/gossip"
	"strings"
	"testing"
)

// runText parses and runs a script, each command given without output.
func runText(t *testing.T, lines ...string) (*Result, error) {
	t.Helper()
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(l + "\n----\n\n")
	}
	sc, err := ParseScenario("test.txt", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	return sc.Run(RunOptions{})
}

// TestCommandErrorsNameLineCommandAndKey runs a small cluster, then one
// bad line: the run stops with an error naming the script, line, command
// and what is wrong (before it starts, when the line alone shows it).
func TestCommandErrorsNameLineCommandAndKey(t *testing.T) {
	cases := []struct {
		line string
		want []string
	}{
		{"jion every=20ms", []string{`test.txt:4: jion every=20ms: unknown command "jion"`}},
		{"join evry=20ms", []string{`test.txt:4: join evry=20ms: join: unknown argument "evry" (join takes every)`}},
		{"join every=20", []string{"join: bad value every=20: want a duration"}},
		{"join every=-1s", []string{"bad value every=-1s"}},
		{"join every=1s every=2s", []string{"join: every given twice"}},
		{"run", []string{"run: want 1 positional argument(s), got 0 (usage: run D)"}},
		{"run 10", []string{"run 10: want a duration"}},
		{"heal now", []string{"heal: unexpected argument"}},
		{"loss 150%", []string{"loss 150%: want a probability"}},
		{"loss node=3 in=2", []string{"loss: bad value in=2: want a probability"}},
		{"loss in=50%", []string{"in= and out= go with node=SEL"}},
		{"link from=1 to=2", []string{"link: drop= missing (usage: link from=SEL to=SEL drop=P [both=0|1])"}},
		{"flap from=1 to=2 down=1s", []string{"flap: up= missing", "the forms of flap: flap from=SEL to=SEL down=D up=D; flap off"}},
		{"crash 9", []string{"crash: no node 9: there are nodes 0-3"}},
		{"crash 2-9", []string{"crash: range 2-9: there are nodes 0-3"}},
		{"crash 3-1", []string{`bad range "3-1"`}},
		{"crash x!", []string{`bad node "x!"`}},
		{"crash", []string{"crash: which nodes?"}},
		{"crash 1 count=2", []string{"give nodes or count=/fraction=, not both"}},
		{"crash count=9", []string{"crash: 9 nodes wanted, 4 to choose from"}},
		{"crash lossy", []string{`no set named "lossy": give it with pick first`}},
		{"pick all 1", []string{`pick: "all" cannot name a set`}},
		{"partition 0-1 | 1-2", []string{"partition: node 1 is in groups 1 and 2"}},
		{"partition 0-3", []string{"one group is no partition"}},
		{"check false-removal == 0", []string{`check: no quantity "false-removal": want one of false-removals,`}},
		{"check false-removals = 0", []string{`operator "="`}},
		{"check false-removals === 0", []string{`operator "==="`}},
		{"check false-removals == x", []string{`"x" is not an integer`}},
		{"check stat.NoSuchField == 0", []string{`no field "NoSuchField" in gossip.Stats`}},
		{"check removed 1 within=1s p90=1s", []string{`check removed: unknown argument "p90" (check removed takes within, p50)`}},
		{"check members", []string{"check members: want 1 positional argument(s), got 0 (usage: check members complete [within=D])"}},
		{"check members all", []string{"want check members complete"}},
		{"keys frobnicate", []string{"keys frobnicate: want add, use, remove, roll or show"}},
		{"keys roll key=k1", []string{"keys roll: step= missing"}},
		{"stat", []string{"stat: want at least 1 positional argument(s)"}},
		{"allow-removal", []string{"allow-removal: whose removals? SEL, by=SEL, or none"}},
		{"allow-removal none by=1", []string{"no by="}},
		{"traffic every=0s", []string{"traffic: every= must be more than 0"}},
		{"pauses fraction=0% for=1s", []string{"pauses: fraction=0% of 4 nodes pauses none"}},
	}
	for _, c := range cases {
		_, err := runText(t, "new nodes=4", c.line)
		var ce *CommandError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v, want a *CommandError", c.line, err)
			continue
		}
		if ce.Line != 4 {
			t.Errorf("%s: line %d, want line 4", c.line, ce.Line)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n  error %v\n  want it to contain %q", c.line, err, w)
			}
		}
	}
}

func TestEveryLineIsCheckedBeforeAnyRuns(t *testing.T) {
	res, err := runText(t, "new nodes=4", "join", "run 1h", "join evry=20ms")
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Line != 10 || len(res.Steps) != 0 {
		t.Errorf("error %v after %d steps, want line 10's before any step ran", err, len(res.Steps))
	}
}

func TestNewRejectsUnknownConfigFields(t *testing.T) {
	for line, want := range map[string]string{
		"new cfg.ProbeTimout=1s":    "new: cfg.ProbeTimout=1s: gossip.Config has no field ProbeTimout",
		"new cfg.RetryAttempts=x":   "new: cfg.RetryAttempts=x: want an integer",
		"new cfg.Keys=k1":           "gossip.Config.Keys is a [][]uint8, which a script cannot set",
		"new cfg.TickInterval=fast": "want a duration",
	} {
		_, err := runText(t, line)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", line, err, want)
		}
	}
}

func TestNewSetsConfigFieldsByName(t *testing.T) {
	var attempts int
	var tomb string
	sc, _ := ParseScenario("t", []byte("new nodes=2 cfg.RetryAttempts=5 tombstone=1m\n----\n\n"))
	res, err := sc.Run(RunOptions{Config: func(_ int, c *gossip.Config) { attempts, tomb = c.RetryAttempts, c.TombstonePeriod.String() }})
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 5 || tomb != "1m0s" {
		t.Errorf("RetryAttempts %d, TombstonePeriod %s: the script's settings must reach Config before RunOptions.Config", attempts, tomb)
	}
	if got := res.Steps[0].Got; got != "2 nodes, tick 1s, retry 10s, tombstones 1m0s, RetryAttempts 5" {
		t.Errorf("new printed %q", got)
	}
}

func TestCommandsBeforeNewAreAnError(t *testing.T) {
	_, err := runText(t, "join")
	if err == nil || !strings.Contains(err.Error(), "test.txt:1: join: no simulation yet: the script starts with new") {
		t.Errorf("error %v", err)
	}
}

func TestSeedOptionReplacesTheScriptsSeed(t *testing.T) {
	script := []byte("new nodes=20 seed=1\n----\n\njoin every=20ms\n----\n\nrun 5s\n----\n\nstat DatagramsOut\n----\n\n")
	out := func(seed uint64) string {
		sc, _ := ParseScenario("t", script)
		res, err := sc.Run(RunOptions{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return res.Steps[1].Got + res.Steps[3].Got
	}
	if out(0) != out(1) {
		t.Error("Seed 0 must keep the script's seed (1)")
	}
	if out(0) == out(2) {
		t.Error("Seed 2 ran the same run as seed 1")
	}
}
