package sim

import (
	"fmt"
	"strings"

	"github.com/tickgossip/gossip"
)

// members: does every live node know every other live node? Read from
// the services' own tables (GossipService.Members), so it holds without
// tracking too.
func cmdMembers(r *runner, _ *args) (string, error) {
	live := r.live()
	ids := map[gossip.NodeID]bool{}
	for _, n := range live {
		ids[n.ID()] = true
	}
	incomplete, stale := 0, 0
	minK := len(live)
	for _, n := range live {
		k := 0
		for _, m := range n.Svc.Members() {
			if ids[m.ID] {
				k++
			} else {
				stale++
			}
		}
		minK = min(minK, k)
		if k < len(live)-1 {
			incomplete++
		}
	}
	if incomplete == 0 && stale == 0 {
		return fmt.Sprintf("all %d live nodes know the other %d", len(live), len(live)-1), nil
	}
	return fmt.Sprintf("%d of %d live nodes incomplete (fewest known: %d of %d); %d entries for nodes that are gone",
		incomplete, len(live), minK, len(live)-1, stale), nil
}

// listedBy returns how many other live nodes list one of ids.
func (r *runner) listedBy(n *Node, ids ...gossip.NodeID) int {
	k := 0
	for _, o := range r.live() {
		if o == n {
			continue
		}
		for _, id := range ids {
			if r.s.Lists(o.Index, id) {
				k++
				break
			}
		}
	}
	return k
}

// listed N: how many other live nodes list node N's current id, and its
// earlier ones, now.
func cmdListed(r *runner, a *args) (string, error) {
	if err := r.needTracking("listed"); err != nil {
		return "", err
	}
	n, err := r.oneNode("listed", a.pos[0])
	if err != nil {
		return "", err
	}
	if !n.Up {
		return fmt.Sprintf("node %d (down): its ids listed by %d of %d live nodes",
			n.Index, r.listedBy(n, n.PastIDs...), len(r.live())), nil
	}
	return fmt.Sprintf("node %d: listed by %d of %d other live nodes, its earlier ids by %d",
		n.Index, r.listedBy(n, n.ID()), len(r.live())-1, r.listedBy(n, n.PastIDs...)), nil
}

// windowRemovals returns the removals since removals reset (or new).
func (r *runner) windowRemovals() []Removal {
	all := r.s.Removals()
	lo, hi := 0, len(all)
	for lo < hi { // the log is in time order
		mid := (lo + hi) / 2
		if all[mid].At < r.window {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return all[lo:]
}

// isAllowed reports whether allow-removal excuses a removal.
func (r *runner) isAllowed(rm Removal) bool { return r.allowed[rm.Node] || r.allowedBy[rm.By] }

// falseRemovals returns the removals of live members since the window
// began, other than those allow-removal excuses.
func (r *runner) falseRemovals() []Removal {
	var out []Removal
	for _, rm := range r.windowRemovals() {
		if rm.False() && !r.isAllowed(rm) {
			out = append(out, rm)
		}
	}
	return out
}

func describeRemovals(rms []Removal, limit int) string {
	var parts []string
	for i, rm := range rms {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(rms)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("node %d by node %d at %s (%v)", rm.Node, rm.By, at(rm.At), rm.Kind))
	}
	return strings.Join(parts, ", ")
}

// removals: the removals from member tables since new or removals reset:
// how many, of which kind, how many took out a live member.
func cmdRemovals(r *runner, _ *args) (string, error) {
	if err := r.needTracking("removals"); err != nil {
		return "", err
	}
	kinds := map[gossip.MemberEventKind]int{}
	live, allowed := 0, 0
	rms := r.windowRemovals()
	for _, rm := range rms {
		kinds[rm.Kind]++
		if rm.False() {
			live++
			if r.isAllowed(rm) {
				allowed++
			}
		}
	}
	out := fmt.Sprintf("removals since %s: %d (%d failed, %d left, %d replaced); of live members: %d",
		at(r.window), len(rms), kinds[gossip.MemberFailed], kinds[gossip.MemberLeft], kinds[gossip.MemberReplaced], live)
	if allowed > 0 {
		out += fmt.Sprintf(", %d of them allowed", allowed)
	}
	if f := r.falseRemovals(); len(f) > 0 {
		out += "\nfalse: " + describeRemovals(f, 5)
	}
	return out, nil
}

func cmdRemovalsReset(r *runner, _ *args) (string, error) {
	r.window = r.s.Elapsed()
	return fmt.Sprintf("removals counted from %s", at(r.window)), nil
}

// allow-removal SEL [by=SEL]: removals of the nodes SEL, and removals
// made by the nodes by=, are not false removals (the nodes a scenario
// makes lossy or pauses on purpose). none: forget every allowance.
func cmdAllowRemoval(r *runner, a *args) (string, error) {
	by, hasBy := a.nodes("by")
	switch {
	case len(a.pos) == 1 && a.pos[0] == "none":
		if hasBy {
			return "", fmt.Errorf("allow-removal none forgets every allowance: no by=")
		}
		clear(r.allowed)
		clear(r.allowedBy)
		return "no removal allowed", nil
	case len(a.pos) == 0 && !hasBy:
		return "", fmt.Errorf("allow-removal: whose removals? SEL, by=SEL, or none")
	}
	if len(a.pos) == 1 {
		idx, err := r.posNodes("allow-removal", a.pos[0])
		if err != nil {
			return "", err
		}
		for _, i := range idx {
			r.allowed[i] = true
		}
	}
	if hasBy {
		idx, err := r.resolve(by)
		if err != nil {
			return "", fmt.Errorf("allow-removal: by=: %v", err)
		}
		for _, i := range idx {
			r.allowedBy[i] = true
		}
	}
	var of, from []int
	for i := range r.s.Nodes() {
		if r.allowed[i] {
			of = append(of, i)
		}
		if r.allowedBy[i] {
			from = append(from, i)
		}
	}
	var parts []string
	if len(of) > 0 {
		parts = append(parts, "removals of "+nodesNoun(of))
	}
	if len(from) > 0 {
		parts = append(parts, "removals by "+nodesNoun(from))
	}
	return strings.Join(parts, " and ") + " allowed", nil
}
