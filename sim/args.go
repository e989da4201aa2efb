package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// argKind is what values a command's key takes; it decides how the value
// is parsed and how the usage line names it.
type argKind uint8

const (
	argDur   argKind = iota + 1 // a Go duration, not negative: 20ms, 1m30s
	argInt                      // an integer, not negative
	argSeed                     // an unsigned 64-bit integer
	argProb                     // a probability: 80% or 0.8
	argNodes                    // a node selector (selector.go)
	argNode                     // one node index
	argWord                     // text without spaces
	argBool                     // 0 or 1
)

var argMeta = map[argKind]string{
	argDur: "D", argInt: "N", argSeed: "N", argProb: "P", argNodes: "SEL", argNode: "N", argWord: "W", argBool: "0|1",
}

// key is one key=value argument a command accepts.
type key struct {
	name string
	kind argKind
	req  bool   // the command needs it
	meta string // what the usage line calls the value, when not the kind's
}

// command is one scenario command, or one sub-command (keys add) chosen
// by the first positional word.
type command struct {
	name string // the words that select it: "join", "keys add"
	// pos names the positional arguments in the usage line; minPos and
	// maxPos bound how many (maxPos -1: any number).
	pos            string
	minPos, maxPos int
	keys           []key
	// prefix, when set, also admits keys prefix+NAME, checked by
	// prefixCheck (new's cfg.FIELD=V).
	prefix      string
	prefixCheck func(name, value string) error
	// noSim: the command runs before any simulation exists (new).
	noSim bool
	subs  []*command
	run   func(r *runner, a *args) (string, error)
}

// usage is the command's synopsis, as the manual (doc.go) shows it.
func (c *command) usage() string {
	parts := []string{c.name}
	if c.pos != "" {
		parts = append(parts, c.pos)
	}
	for _, k := range c.keys {
		m := k.meta
		if m == "" {
			m = argMeta[k.kind]
		}
		if k.req {
			parts = append(parts, k.name+"="+m)
		} else {
			parts = append(parts, "["+k.name+"="+m+"]")
		}
	}
	if c.prefix != "" {
		parts = append(parts, "["+c.prefix+"FIELD=V ...]")
	}
	return strings.Join(parts, " ")
}

// accepted lists the command's keys for an error message.
func (c *command) accepted() string {
	if len(c.keys) == 0 && c.prefix == "" {
		return c.name + " takes no key=value arguments"
	}
	var ks []string
	for _, k := range c.keys {
		ks = append(ks, k.name)
	}
	if c.prefix != "" {
		ks = append(ks, c.prefix+"FIELD")
	}
	return c.name + " takes " + strings.Join(ks, ", ")
}

// args are one command line's arguments, parsed and checked against its
// command.
type args struct {
	cmd  *command
	pos  []string
	vals map[string]any    // by key: the parsed value
	pre  map[string]string // the prefix keys, by the name after the prefix, as written
	raw  map[string]string // every key as written, for messages
}

// isKey reports whether a token is key=value: a key starts with a letter
// and holds letters, digits, '.', '-' and '_', so "==" or "<=" (check's
// operators) are positional.
func isKey(tok string) (k, v string, ok bool) {
	k, v, ok = strings.Cut(tok, "=")
	if !ok || k == "" || !isLetter(k[0]) {
		return "", "", false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '_' {
			return "", "", false
		}
	}
	return k, v, true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseLine splits a command line and checks it against the commands:
// the command exists, each key is one it takes, once, with a value of the
// right kind, and the number of positional arguments is right.
func parseLine(line string, table map[string]*command) (*args, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	c, ok := table[fields[0]]
	if !ok {
		return nil, fmt.Errorf("unknown command %q (see go doc github.com/tickgossip/gossip/sim)", fields[0])
	}
	a, err := parseArgs(c, fields[1:])
	if err != nil && len(c.subs) > 0 {
		// Say what the other forms are, too.
		var forms []string
		if c.run != nil {
			forms = append(forms, c.usage())
		}
		for _, sub := range c.subs {
			forms = append(forms, sub.usage())
		}
		err = fmt.Errorf("%v; the forms of %s: %s", err, c.name, strings.Join(forms, "; "))
	}
	return a, err
}

func parseArgs(c *command, rest []string) (*args, error) {
	if len(c.subs) > 0 && len(rest) > 0 {
		for _, sub := range c.subs {
			if strings.TrimPrefix(sub.name, c.name+" ") == rest[0] {
				return parseArgs(sub, rest[1:])
			}
		}
	}
	if c.run == nil {
		return nil, fmt.Errorf("%s: what? (%d forms)", c.name, len(c.subs))
	}
	a := &args{cmd: c, vals: map[string]any{}, pre: map[string]string{}, raw: map[string]string{}}
	for _, tok := range rest {
		k, v, isKV := isKey(tok)
		if !isKV {
			a.pos = append(a.pos, tok)
			continue
		}
		if _, dup := a.raw[k]; dup {
			return nil, fmt.Errorf("%s: %s given twice", c.name, k)
		}
		a.raw[k] = v
		if c.prefix != "" && strings.HasPrefix(k, c.prefix) {
			name := strings.TrimPrefix(k, c.prefix)
			if err := c.prefixCheck(name, v); err != nil {
				return nil, fmt.Errorf("%s: %s=%s: %v", c.name, k, v, err)
			}
			a.pre[name] = v
			continue
		}
		spec, ok := c.key(k)
		if !ok {
			return nil, fmt.Errorf("%s: unknown argument %q (%s)", c.name, k, c.accepted())
		}
		val, err := parseValue(spec.kind, v)
		if err != nil {
			return nil, fmt.Errorf("%s: bad value %s=%s: %v", c.name, k, v, err)
		}
		a.vals[k] = val
	}
	for _, k := range c.keys {
		if _, ok := a.vals[k.name]; k.req && !ok {
			return nil, fmt.Errorf("%s: %s= missing (usage: %s)", c.name, k.name, c.usage())
		}
	}
	if len(a.pos) < c.minPos || (c.maxPos >= 0 && len(a.pos) > c.maxPos) {
		return nil, fmt.Errorf("%s: %s (usage: %s)", c.name, posCount(c, len(a.pos)), c.usage())
	}
	return a, nil
}

func posCount(c *command, got int) string {
	switch {
	case c.maxPos == 0 && got > 0:
		return fmt.Sprintf("unexpected argument (only key=value arguments: %s)", c.accepted())
	case c.minPos == c.maxPos:
		return fmt.Sprintf("want %d positional argument(s), got %d", c.minPos, got)
	case got < c.minPos:
		return fmt.Sprintf("want at least %d positional argument(s), got %d", c.minPos, got)
	}
	return fmt.Sprintf("want at most %d positional argument(s), got %d", c.maxPos, got)
}

func (c *command) key(name string) (key, bool) {
	for _, k := range c.keys {
		if k.name == name {
			return k, true
		}
	}
	return key{}, false
}

func parseValue(kind argKind, v string) (any, error) {
	switch kind {
	case argDur:
		return parseDur(v)
	case argInt, argNode:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("want a whole number, 0 or more")
		}
		return n, nil
	case argSeed:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want an unsigned integer")
		}
		return n, nil
	case argProb:
		return parseProb(v)
	case argNodes:
		return parseSelector(v)
	case argBool:
		switch v {
		case "0", "false":
			return false, nil
		case "1", "true":
			return true, nil
		}
		return nil, fmt.Errorf("want 0 or 1")
	case argWord:
		if v == "" {
			return nil, fmt.Errorf("empty")
		}
		return v, nil
	}
	panic(fmt.Sprintf("sim: argument kind %d", kind))
}

func parseDur(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration such as 20ms, 10s or 1m30s")
	}
	return d, nil
}

// parseProb reads 80% or 0.8.
func parseProb(v string) (float64, error) {
	s, pct := strings.CutSuffix(v, "%")
	f, err := strconv.ParseFloat(s, 64)
	if pct {
		f /= 100
	}
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("want a probability such as 10%% or 0.1, from 0 to 1")
	}
	return f, nil
}

// get returns key k's value, checking the command declares it with that
// kind: a command reading a key its table does not list is a bug here.
func (a *args) get(k string, kind argKind) (any, bool) {
	spec, ok := a.cmd.key(k)
	if !ok || (spec.kind != kind && !(spec.kind == argNode && kind == argInt)) {
		panic(fmt.Sprintf("sim: command %s reads %s, which it does not declare as kind %d", a.cmd.name, k, kind))
	}
	v, ok := a.vals[k]
	return v, ok
}

func (a *args) has(k string) bool { _, ok := a.vals[k]; return ok }

func (a *args) dur(k string, def time.Duration) time.Duration {
	if v, ok := a.get(k, argDur); ok {
		return v.(time.Duration)
	}
	return def
}

func (a *args) int(k string, def int) int {
	if v, ok := a.get(k, argInt); ok {
		return v.(int)
	}
	return def
}

func (a *args) seed(k string, def uint64) uint64 {
	if v, ok := a.get(k, argSeed); ok {
		return v.(uint64)
	}
	return def
}

func (a *args) prob(k string, def float64) float64 {
	if v, ok := a.get(k, argProb); ok {
		return v.(float64)
	}
	return def
}

func (a *args) word(k, def string) string {
	if v, ok := a.get(k, argWord); ok {
		return v.(string)
	}
	return def
}

func (a *args) flag(k string, def bool) bool {
	if v, ok := a.get(k, argBool); ok {
		return v.(bool)
	}
	return def
}

func (a *args) nodes(k string) (selector, bool) {
	if v, ok := a.get(k, argNodes); ok {
		return v.(selector), true
	}
	return nil, false
}
