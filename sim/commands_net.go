package sim

import (
	"fmt"
	"strings"
)

// net: change the global network settings.
func cmdNet(r *runner, a *args) (string, error) {
	s := r.s
	s.SetLoss(a.prob("loss", s.opt.Loss))
	s.SetDuplicate(a.prob("dup", s.opt.Duplicate))
	s.SetLatency(a.dur("latency", s.opt.Latency), a.dur("jitter", s.opt.Jitter))
	return fmt.Sprintf("loss %.0f%%, duplicate %.0f%%, latency %v + [0, %v)", s.opt.Loss*100, s.opt.Duplicate*100, s.opt.Latency, s.opt.Jitter), nil
}

// loss P: the global loss. loss node=SEL in=P out=P: the given nodes'
// inbound and outbound loss (a direction not given stays as it was).
// loss: show the losses.
func cmdLoss(r *runner, a *args) (string, error) {
	s := r.s
	sel, byNode := a.nodes("node")
	switch {
	case len(a.pos) == 1 && (byNode || a.has("in") || a.has("out")):
		return "", fmt.Errorf("loss: loss P sets the global loss, loss node=SEL in=P out=P a node's: not both")
	case len(a.pos) == 1:
		p, err := parseProb(a.pos[0])
		if err != nil {
			return "", fmt.Errorf("loss %s: %v", a.pos[0], err)
		}
		s.SetLoss(p)
	case byNode:
		if !a.has("in") && !a.has("out") {
			return "", fmt.Errorf("loss: node= with in=P, out=P or both")
		}
		idx, err := r.resolve(sel)
		if err != nil {
			return "", fmt.Errorf("loss: node=: %v", err)
		}
		for _, i := range idx {
			in, out := s.NodeLoss(i)
			s.SetNodeLoss(i, a.prob("in", in), a.prob("out", out))
		}
	case a.has("in") || a.has("out"):
		return "", fmt.Errorf("loss: in= and out= go with node=SEL")
	}
	return r.describeLoss(), nil
}

func cmdLossReset(r *runner, _ *args) (string, error) {
	r.s.SetLoss(0)
	r.s.ResetLoss()
	return r.describeLoss(), nil
}

// describeLoss is one line per kind of loss in force.
func (r *runner) describeLoss() string {
	s := r.s
	lines := []string{fmt.Sprintf("loss %s everywhere", pct(s.Loss()))}
	type io struct{ in, out float64 }
	var order []io
	nodes := map[io][]int{}
	for i := range s.Nodes() {
		in, out := s.NodeLoss(i)
		if in == 0 && out == 0 {
			continue
		}
		k := io{in, out}
		if nodes[k] == nil {
			order = append(order, k)
		}
		nodes[k] = append(nodes[k], i)
	}
	for _, k := range order {
		lines = append(lines, fmt.Sprintf("%s: in %s, out %s", nodesNoun(nodes[k]), pct(k.in), pct(k.out)))
	}
	links := s.Links()
	for i, l := range links {
		if i == 4 {
			lines = append(lines, fmt.Sprintf("and %d more links", len(links)-4))
			break
		}
		lines = append(lines, describeLink(l))
	}
	return strings.Join(lines, "\n")
}

func describeLink(l Link) string {
	var parts []string
	if l.Drop > 0 {
		parts = append(parts, "drops "+pct(l.Drop))
	}
	if l.Down > 0 {
		parts = append(parts, fmt.Sprintf("fails %v of every %v", l.Down, l.Down+l.Up))
	}
	return fmt.Sprintf("link %d->%d %s", l.From, l.To, strings.Join(parts, ", "))
}

func pct(p float64) string { return fmt.Sprintf("%g%%", p*100) }

// pairs returns the one-way links from every node in from to every other
// node in to (and back, with both).
func (r *runner) pairs(a *args) ([][2]int, string, error) {
	fromSel, _ := a.nodes("from")
	toSel, _ := a.nodes("to")
	from, err := r.resolve(fromSel)
	if err != nil {
		return nil, "", fmt.Errorf("%s: from=: %v", a.cmd.name, err)
	}
	to, err := r.resolve(toSel)
	if err != nil {
		return nil, "", fmt.Errorf("%s: to=: %v", a.cmd.name, err)
	}
	var out [][2]int
	for _, f := range from {
		for _, t := range to {
			if f != t {
				out = append(out, [2]int{f, t})
			}
		}
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("%s: from= and to= name no link between two nodes", a.cmd.name)
	}
	arrow := "->"
	if a.has("both") && a.flag("both", false) {
		arrow = "<->"
		for _, p := range out[:len(out):len(out)] {
			out = append(out, [2]int{p[1], p[0]})
		}
	}
	return out, formatNodes(from) + arrow + formatNodes(to), nil
}

// link from=SEL to=SEL drop=P: loss on the one-way links between two
// sets; 100% fails them, 0% restores them.
func cmdLink(r *runner, a *args) (string, error) {
	links, name, err := r.pairs(a)
	if err != nil {
		return "", err
	}
	p := a.prob("drop", 0)
	for _, l := range links {
		r.s.SetLinkLoss(l[0], l[1], p)
	}
	if p == 0 {
		return fmt.Sprintf("link %s restored", name), nil
	}
	return fmt.Sprintf("link %s drops %s", name, pct(p)), nil
}

// flap from=SEL to=SEL down=D up=D: the one-way links fail for D, work
// for D, and so on, starting now.
func cmdFlap(r *runner, a *args) (string, error) {
	links, name, err := r.pairs(a)
	if err != nil {
		return "", err
	}
	down, up := a.dur("down", 0), a.dur("up", 0)
	if down <= 0 || up <= 0 {
		return "", fmt.Errorf("flap: down= and up= must be more than 0 (flap off stops it)")
	}
	for _, l := range links {
		r.s.FlapLink(l[0], l[1], down, up)
	}
	return fmt.Sprintf("link %s fails for %v, then works for %v, from %s on", name, down, up, at(r.s.Elapsed())), nil
}

func cmdFlapOff(r *runner, _ *args) (string, error) {
	r.s.StopFlaps()
	return "no link flaps", nil
}

// partition SEL | SEL ...: any number of groups; the nodes named in none
// form one more. partition at=K: nodes below K, and the rest.
func cmdPartition(r *runner, a *args) (string, error) {
	n := len(r.s.Nodes())
	group := make([]int, n)
	if a.has("at") {
		if len(a.pos) > 0 {
			return "", fmt.Errorf("partition: at=K or groups, not both")
		}
		k := a.int("at", 0)
		if k <= 0 || k >= n {
			return "", fmt.Errorf("partition: at=%d leaves one side empty (nodes 0-%d)", k, n-1)
		}
		for i := k; i < n; i++ {
			group[i] = 1
		}
		r.s.Partition(group)
		return fmt.Sprintf("partitioned: 0-%d | %d-%d", k-1, k, n-1), nil
	}
	var specs []string
	for _, g := range strings.Split(strings.Join(a.pos, " "), "|") {
		if g = strings.ReplaceAll(g, " ", ""); g != "" {
			specs = append(specs, g)
		}
	}
	if len(specs) < 1 {
		return "", fmt.Errorf("partition: which groups? partition 0-49 | 50-99, or at=K")
	}
	for i := range group {
		group[i] = -1
	}
	var groups [][]int
	for gi, g := range specs {
		idx, err := r.posNodes("partition", g)
		if err != nil {
			return "", err
		}
		for _, i := range idx {
			if group[i] >= 0 {
				return "", fmt.Errorf("partition: node %d is in groups %d and %d", i, group[i]+1, gi+1)
			}
			group[i] = gi
		}
		groups = append(groups, idx)
	}
	var rest []int
	for i := range group {
		if group[i] < 0 {
			group[i] = len(specs)
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		groups = append(groups, rest)
	}
	if len(groups) < 2 {
		return "", fmt.Errorf("partition: one group is no partition")
	}
	r.s.Partition(group)
	var names []string
	for _, g := range groups {
		names = append(names, formatNodes(g))
	}
	return "partitioned: " + strings.Join(names, " | "), nil
}

func cmdHeal(r *runner, _ *args) (string, error) {
	r.s.Heal()
	return "healed", nil
}
