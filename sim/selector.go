package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// selector names a set of nodes the way scripts write it: a list,
// separated by commas, of node indices (7), ranges (0-49), the words all,
// live (up, paused or not), running (up and not paused), down and paused,
// and names given with pick.
type selector []string

// selectorWords are the sets a selector can name without pick.
var selectorWords = []string{"all", "live", "running", "down", "paused"}

func parseSelector(v string) (selector, error) {
	if v == "" {
		return nil, fmt.Errorf("empty node list")
	}
	items := strings.Split(v, ",")
	for _, it := range items {
		if lo, hi, ok := strings.Cut(it, "-"); ok && isDigits(lo) {
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil || a > b {
				return nil, fmt.Errorf("bad range %q: want A-B with A <= B", it)
			}
			continue
		}
		if isDigits(it) {
			continue
		}
		if !isName(it) {
			return nil, fmt.Errorf("bad node %q: want an index (7), a range (0-49), %s or a name given with pick", it, strings.Join(selectorWords, ", "))
		}
	}
	return selector(items), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isName reports whether s can name a set: a letter, then letters,
// digits, '-' and '_'.
func isName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// resolve returns the nodes a selector names, in index order, once each.
func (r *runner) resolve(sel selector) ([]int, error) {
	nodes := r.s.Nodes()
	in := make([]bool, len(nodes))
	for _, it := range sel {
		if lo, hi, ok := strings.Cut(it, "-"); ok && isDigits(lo) {
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			if b >= len(nodes) {
				return nil, fmt.Errorf("range %s: there are nodes 0-%d", it, len(nodes)-1)
			}
			for i := a; i <= b; i++ {
				in[i] = true
			}
			continue
		}
		if isDigits(it) {
			i, _ := strconv.Atoi(it)
			if i >= len(nodes) {
				return nil, fmt.Errorf("no node %s: there are nodes 0-%d", it, len(nodes)-1)
			}
			in[i] = true
			continue
		}
		var match func(*Node) bool
		switch it {
		case "all":
			match = func(*Node) bool { return true }
		case "live":
			match = func(n *Node) bool { return n.Up }
		case "running":
			match = func(n *Node) bool { return n.Up && !n.Paused() }
		case "down":
			match = func(n *Node) bool { return !n.Up }
		case "paused":
			match = (*Node).Paused
		default:
			set, ok := r.sets[it]
			if !ok {
				return nil, fmt.Errorf("no set named %q: give it with pick first", it)
			}
			for _, i := range set {
				in[i] = true
			}
			continue
		}
		for i, n := range nodes {
			if match(n) {
				in[i] = true
			}
		}
	}
	var out []int
	for i, ok := range in {
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// formatNodes writes node indices compactly, as selectors read them:
// 0-49,60.
func formatNodes(idx []int) string {
	if len(idx) == 0 {
		return "none"
	}
	idx = slices.Sorted(slices.Values(idx))
	var sb strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		if j > i {
			fmt.Fprintf(&sb, "%d-%d", idx[i], idx[j])
		} else {
			fmt.Fprintf(&sb, "%d", idx[i])
		}
		i = j + 1
	}
	return sb.String()
}

// nodesNoun is "node 7" or "nodes 3,9,12".
func nodesNoun(idx []int) string {
	if len(idx) == 1 {
		return fmt.Sprintf("node %d", idx[0])
	}
	return "nodes " + formatNodes(idx)
}

// chooserKeys are the keys of the commands that take a random set of
// nodes in place of a selector (crash, leave, pause, pick).
var chooserKeys = []key{
	{name: "count", kind: argInt},
	{name: "fraction", kind: argProb},
	{name: "from", kind: argNodes},
	{name: "seed", kind: argSeed},
}

// targets returns the nodes a command acts on: the positional selector,
// or count=K or fraction=P of the nodes from=SEL (default running),
// chosen at random from seed=S (default: the simulation's own source).
func (r *runner) targets(a *args) ([]int, error) {
	name := a.cmd.name
	_, hasCount := a.vals["count"]
	_, hasFrac := a.vals["fraction"]
	switch {
	case len(a.pos) == 1 && (hasCount || hasFrac):
		return nil, fmt.Errorf("%s: give nodes or count=/fraction=, not both", name)
	case len(a.pos) == 1:
		sel, err := parseSelector(a.pos[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		idx, err := r.resolve(sel)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if a.has("from") || a.has("seed") {
			return nil, fmt.Errorf("%s: from= and seed= go with count= or fraction=", name)
		}
		return idx, nil
	case hasCount && hasFrac:
		return nil, fmt.Errorf("%s: count= or fraction=, not both", name)
	case !hasCount && !hasFrac:
		return nil, fmt.Errorf("%s: which nodes? give nodes (7, 3,9, 0-49, down...) or count=K or fraction=P (usage: %s)", name, a.cmd.usage())
	}
	from := selector{"running"}
	if sel, ok := a.nodes("from"); ok {
		from = sel
	}
	pool, err := r.resolve(from)
	if err != nil {
		return nil, fmt.Errorf("%s: from=: %v", name, err)
	}
	k := a.int("count", 0)
	if hasFrac {
		f := a.prob("fraction", 0)
		k = int(math.Round(f * float64(len(pool))))
		if k == 0 && f > 0 {
			k = 1
		}
	}
	if k > len(pool) {
		return nil, fmt.Errorf("%s: %d nodes wanted, %d to choose from", name, k, len(pool))
	}
	rng := r.s.rng
	if a.has("seed") {
		rng = seededRand(a.seed("seed", 0))
	}
	for i := range k { // a partial shuffle: the first k are the choice
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	chosen := pool[:k]
	slices.Sort(chosen)
	return chosen, nil
}

// seededRand is the source of a command's own seed=S, apart from the
// simulation's, so the choice stays put when the rest of a run changes.
func seededRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x5eed5eed5eed5eed))
}
