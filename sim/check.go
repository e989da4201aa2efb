package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tickgossip/gossip"
)

// pollEvery is how often a waiting check evaluates a condition that
// costs more than a counter to read (a scan of every node, Stats).
const pollEvery = 10 * time.Millisecond

// waitFor runs the simulation until cond holds, at most within, and
// reports whether it did and after how long. A cheap cond is evaluated
// after every event, so the time is exact; another every pollEvery.
func (r *runner) waitFor(within time.Duration, cheap bool, cond func() bool) (bool, time.Duration) {
	start := r.s.Elapsed()
	if cond() {
		return true, 0
	}
	if cheap {
		ok := r.s.RunUntil(cond, max(within, 0))
		return ok, r.s.Elapsed() - start
	}
	for {
		left := start + within - r.s.Elapsed()
		if left <= 0 {
			return false, r.s.Elapsed() - start
		}
		r.s.RunFor(min(pollEvery, left))
		if cond() {
			return true, r.s.Elapsed() - start
		}
	}
}

// quantity is a number check can compare.
type quantity struct {
	name  string
	cheap bool // reading it costs about a counter: evaluated after every event
	track bool // it reads the tracked member tables
	value func(r *runner) int
	// detail names the first offenders, for a failure message.
	detail func(r *runner) string
}

var quantities = []quantity{
	{name: "false-removals", track: true,
		value: func(r *runner) int { return len(r.falseRemovals()) },
		detail: func(r *runner) string {
			return "removals of live members: " + describeRemovals(r.falseRemovals(), 5)
		}},
	{name: "removals", track: true,
		value: func(r *runner) int {
			k := 0
			for _, rm := range r.windowRemovals() {
				if rm.Kind == gossip.MemberFailed || rm.Kind == gossip.MemberLeft {
					k++
				}
			}
			return k
		}},
	{name: "incomplete", track: true,
		value:  func(r *runner) int { return len(r.incomplete()) },
		detail: func(r *runner) string { return r.describeIncomplete(5) }},
	{name: "stale", track: true,
		value:  func(r *runner) int { return r.stale() },
		detail: func(r *runner) string { return r.describeStale(5) }},
	{name: "undelivered",
		value: func(r *runner) int {
			complete, total, _, _ := r.deliveryReport(0)
			return total - complete
		},
		detail: func(r *runner) string {
			_, _, missing, _ := r.deliveryReport(5)
			return "incomplete: " + strings.Join(missing, ", ")
		}},
	{name: "duplicates", cheap: true,
		value: func(r *runner) int { _, _, d := r.s.Cost(); return int(d) }},
	{name: "meta-regressions", cheap: true,
		value: func(r *runner) int { return len(r.s.mem.regressions) },
		detail: func(r *runner) string {
			return strings.Join(r.s.mem.regressions[:min(3, len(r.s.mem.regressions))], "; ")
		}},
	{name: "live", cheap: true, value: func(r *runner) int { return r.s.Live() }},
	{name: "down", cheap: true, value: func(r *runner) int { return len(r.s.Nodes()) - r.s.Live() }},
	{name: "paused", value: func(r *runner) int {
		k := 0
		for _, n := range r.s.Nodes() {
			if n.Paused() {
				k++
			}
		}
		return k
	}},
}

func quantityNames() string {
	var ns []string
	for _, q := range quantities {
		ns = append(ns, q.name)
	}
	return strings.Join(append(ns, "stat.FIELD"), ", ")
}

// findQuantity returns the named quantity; stat.FIELD sums a Stats
// counter over the live services.
func findQuantity(name string) (quantity, error) {
	for _, q := range quantities {
		if q.name == name {
			return q, nil
		}
	}
	if field, ok := strings.CutPrefix(name, "stat."); ok {
		if _, err := statField(gossip.Stats{}, field); err != nil {
			return quantity{}, err
		}
		return quantity{name: name, value: func(r *runner) int {
			v, _, _ := r.statSum(field, false)
			return int(v)
		}}, nil
	}
	return quantity{}, fmt.Errorf("no quantity %q: want one of %s", name, quantityNames())
}

var compareOps = map[string]func(a, b int) bool{
	"==": func(a, b int) bool { return a == b },
	"!=": func(a, b int) bool { return a != b },
	"<":  func(a, b int) bool { return a < b },
	"<=": func(a, b int) bool { return a <= b },
	">":  func(a, b int) bool { return a > b },
	">=": func(a, b int) bool { return a >= b },
}

// check QUANTITY OP N [within=D]: the quantity compares as said now, or,
// with within, by the time D has passed (the simulation runs until it
// does).
func cmdCheckCompare(r *runner, a *args) (string, error) {
	q, err := findQuantity(a.pos[0])
	if err != nil {
		return "", fmt.Errorf("check: %v", err)
	}
	op, ok := compareOps[a.pos[1]]
	if !ok {
		return "", fmt.Errorf("check %s: operator %q: want ==, !=, <, <=, > or >=", q.name, a.pos[1])
	}
	want, err := strconv.Atoi(a.pos[2])
	if err != nil {
		return "", fmt.Errorf("check %s %s: %q is not an integer", q.name, a.pos[1], a.pos[2])
	}
	if q.track {
		if err := r.needTracking("check " + q.name); err != nil {
			return "", err
		}
	}
	holds := func() bool { return op(q.value(r), want) }
	after := ""
	if a.has("within") {
		ok, took := r.waitFor(a.dur("within", 0), q.cheap, holds)
		after = fmt.Sprintf(" after %v", ms(took))
		if !ok {
			return "", r.compareFailed(q, after, a)
		}
	} else if !holds() {
		return "", r.compareFailed(q, after, a)
	}
	return fmt.Sprintf("%s %d%s", q.name, q.value(r), after), nil
}

func (r *runner) compareFailed(q quantity, after string, a *args) error {
	msg := fmt.Sprintf("%s is %d%s, want %s %s", q.name, q.value(r), after, a.pos[1], a.pos[2])
	if q.detail != nil {
		if d := q.detail(r); d != "" {
			msg += ": " + d
		}
	}
	return failf("%s", msg)
}

// removalTarget is one node check removed waits for: its ids, and the
// time its removal is measured from.
type removalTarget struct {
	n   *Node
	ids []gossip.NodeID
	ref time.Duration
}

// check removed SEL [within=D] [p50=D]: run until no live node's table
// lists any id the nodes have had; each node's time counts from its
// crash, leave or pause (from now if it runs). It fails past within of
// that time (default 1m), or if the median removal took more than p50.
func cmdCheckRemoved(r *runner, a *args) (string, error) {
	if err := r.needTracking("check removed"); err != nil {
		return "", err
	}
	idx, err := r.posNodes("check removed", a.pos[0])
	if err != nil {
		return "", err
	}
	within := a.dur("within", time.Minute)
	now := r.s.Elapsed()
	var ts []removalTarget
	deadline := now
	for _, i := range idx {
		n := r.s.Node(i)
		ref, stopped := n.StoppedAt()
		if !stopped {
			ref = now
		}
		ts = append(ts, removalTarget{n: n, ids: n.IDs(), ref: ref})
		deadline = max(deadline, ref+within)
	}
	gone := func() bool {
		for _, t := range ts {
			for _, id := range t.ids {
				if r.s.ListedBy(id) > 0 {
					return false
				}
			}
		}
		return true
	}
	if ok, _ := r.waitFor(deadline-now, true, gone); !ok {
		var still []string
		left := 0
		for _, t := range ts {
			if by := r.listers(t.ids); len(by) > 0 {
				if len(still) == 3 {
					left++
					continue
				}
				still = append(still, fmt.Sprintf("node %d by %d of %d live nodes (%s)", t.n.Index, len(by), r.s.Live(), shortList(by, 10)))
			}
		}
		if left > 0 {
			still = append(still, fmt.Sprintf("and %d more nodes", left))
		}
		return "", failf("still listed %v after %s: %s", within, stoppedWord(ts[0]), strings.Join(still, "; "))
	}
	delays, worst := r.removalDelays(ts)
	noun := nodesNoun(idx)
	if len(delays) == 0 {
		return noun + " removed from every live table: no live node listed it", nil
	}
	p50 := quantile(delays, 0.5)
	out := fmt.Sprintf("%s removed from every live table: p50 %v, max %v", noun, ms(p50), ms(delays[len(delays)-1]))
	for _, t := range ts {
		if worst[t.n.Index] > within {
			return "", failf("%s; node %d only %v after %s, past within=%v", out, t.n.Index, ms(worst[t.n.Index]), stoppedWord(t), within)
		}
	}
	if a.has("p50") && p50 > a.dur("p50", 0) {
		return "", failf("%s; the median is past p50=%v", out, a.dur("p50", 0))
	}
	return out, nil
}

// stoppedWord says what a target's time counts from.
func stoppedWord(t removalTarget) string {
	if _, stopped := t.n.StoppedAt(); !stopped {
		return "the check began"
	}
	if !t.n.Up {
		return "it stopped"
	}
	return "it was paused"
}

// removalDelays returns, sorted, how long after its reference time each
// live node removed each target for the last time (a node that did not
// list a target then does not count), and each target's worst.
func (r *runner) removalDelays(ts []removalTarget) ([]time.Duration, map[int]time.Duration) {
	type pair struct{ by, node int }
	last := map[pair]time.Duration{}
	from := ts[0].ref
	for _, t := range ts {
		from = min(from, t.ref)
	}
	target := map[gossip.NodeID]*removalTarget{}
	for i := range ts {
		for _, id := range ts[i].ids {
			target[id] = &ts[i]
		}
	}
	for _, rm := range r.s.Removals() {
		if rm.At < from {
			continue
		}
		t, ok := target[rm.ID]
		if !ok || rm.At < t.ref || !r.s.Node(rm.By).Up {
			continue
		}
		p := pair{rm.By, t.n.Index}
		last[p] = max(last[p], rm.At-t.ref)
	}
	var delays []time.Duration
	worst := map[int]time.Duration{}
	for p, d := range last {
		delays = append(delays, d)
		worst[p.node] = max(worst[p.node], d)
	}
	slices.Sort(delays)
	return delays, worst
}

// quantile returns the value below which a fraction q of sorted ds lie.
func quantile(ds []time.Duration, q float64) time.Duration {
	need := int(float64(len(ds))*q + 0.999999)
	return ds[max(need, 1)-1]
}

// listers returns the live nodes that list one of ids.
func (r *runner) listers(ids []gossip.NodeID) []int {
	var out []int
	for _, o := range r.live() {
		for _, id := range ids {
			if r.s.Lists(o.Index, id) {
				out = append(out, o.Index)
				break
			}
		}
	}
	return out
}

// shortList formats at most limit node indices.
func shortList(idx []int, limit int) string {
	if len(idx) <= limit {
		return formatNodes(idx)
	}
	return fmt.Sprintf("%s and %d more", formatNodes(idx[:limit]), len(idx)-limit)
}

// check known SEL [within=D]: run until every other live node lists each
// node's running service, at most D (default 1m).
func cmdCheckKnown(r *runner, a *args) (string, error) {
	if err := r.needTracking("check known"); err != nil {
		return "", err
	}
	idx, err := r.posNodes("check known", a.pos[0])
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		if !r.s.Node(i).Up {
			return "", failf("node %d is down", i)
		}
	}
	within := a.dur("within", time.Minute)
	known := func() bool {
		for _, i := range idx {
			if r.s.ListedBy(r.s.Node(i).ID()) < r.s.Live()-1 {
				return false
			}
		}
		return true
	}
	ok, took := r.waitFor(within, true, known)
	if !ok {
		var parts []string
		for _, i := range idx {
			n := r.s.Node(i)
			var not []int
			for _, o := range r.live() {
				if o != n && !r.s.Lists(o.Index, n.ID()) {
					not = append(not, o.Index)
				}
			}
			if len(not) > 0 {
				parts = append(parts, fmt.Sprintf("node %d not by %d of %d (%s)", i, len(not), r.s.Live()-1, shortList(not, 10)))
			}
		}
		return "", failf("after %v: %s", within, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%s known to every live node after %v", nodesNoun(idx), ms(took)), nil
}

// incomplete returns, for each live node that misses another live node
// in its table, the ones it misses.
func (r *runner) incomplete() map[int][]int {
	out := map[int][]int{}
	live := r.live()
	for _, o := range live {
		for _, n := range live {
			if n != o && !r.s.Lists(o.Index, n.ID()) {
				out[o.Index] = append(out[o.Index], n.Index)
			}
		}
	}
	return out
}

func (r *runner) describeIncomplete(limit int) string {
	miss := r.incomplete()
	var nodes []int
	for i := range miss {
		nodes = append(nodes, i)
	}
	slices.Sort(nodes)
	var parts []string
	for k, i := range nodes {
		if k == limit {
			parts = append(parts, fmt.Sprintf("and %d more nodes", len(nodes)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("node %d misses %s", i, shortList(miss[i], 10)))
	}
	return strings.Join(parts, "; ")
}

// stale counts the entries in live tables for services no longer running.
func (r *runner) stale() int {
	k := 0
	for _, n := range r.s.Nodes() {
		for _, id := range n.PastIDs {
			k += r.s.ListedBy(id)
		}
	}
	return k
}

func (r *runner) describeStale(limit int) string {
	var parts []string
	for _, n := range r.s.Nodes() {
		if by := r.listers(n.PastIDs); len(by) > 0 {
			if len(parts) == limit {
				parts = append(parts, "and more")
				break
			}
			parts = append(parts, fmt.Sprintf("node %d's old id by %s", n.Index, shortList(by, 10)))
		}
	}
	return strings.Join(parts, "; ")
}

// check members complete [within=D]: every live node lists every other
// live node (now, or by the time D has passed).
func cmdCheckMembers(r *runner, a *args) (string, error) {
	if a.pos[0] != "complete" {
		return "", fmt.Errorf("check members %s: want check members complete", a.pos[0])
	}
	if err := r.needTracking("check members"); err != nil {
		return "", err
	}
	complete := func() bool { have, want := r.s.LiveListings(); return have == want }
	after := ""
	if a.has("within") {
		ok, took := r.waitFor(a.dur("within", 0), true, complete)
		after = fmt.Sprintf(" after %v", ms(took))
		if !ok {
			return "", failf("%d of %d live nodes incomplete%s: %s", len(r.incomplete()), r.s.Live(), after, r.describeIncomplete(5))
		}
	} else if !complete() {
		return "", failf("%d of %d live nodes incomplete: %s", len(r.incomplete()), r.s.Live(), r.describeIncomplete(5))
	}
	return fmt.Sprintf("every live node knows the other %d%s", r.s.Live()-1, after), nil
}

// check deliveries complete [within=D]: every payload reached every live
// node, each once.
func cmdCheckDeliveries(r *runner, a *args) (string, error) {
	if a.pos[0] != "complete" {
		return "", fmt.Errorf("check deliveries %s: want check deliveries complete", a.pos[0])
	}
	complete := func() bool {
		c, total, _, dups := r.deliveryReport(0)
		return c == total && dups == 0
	}
	after := ""
	ok := true
	if a.has("within") {
		var took time.Duration
		ok, took = r.waitFor(a.dur("within", 0), false, complete)
		after = fmt.Sprintf(" after %v", ms(took))
	} else {
		ok = complete()
	}
	c, total, missing, dups := r.deliveryReport(5)
	if !ok {
		msg := fmt.Sprintf("%d of %d payloads reached every live node%s, duplicate deliveries %d", c, total, after, dups)
		if len(missing) > 0 {
			msg += "; incomplete: " + strings.Join(missing, ", ")
		}
		return "", failf("%s", msg)
	}
	return fmt.Sprintf("%d of %d payloads reached every live node once%s", c, total, after), nil
}
