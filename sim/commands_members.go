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

// falseRemovals returns the removals of live members since the window
// began, other than of the nodes allow-removal named.
func (r *runner) falseRemovals() []Removal {
	var out []Removal
	for _, rm := range r.windowRemovals() {
		if rm.False() && !r.allowed[rm.Node] {
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
			if r.allowed[rm.Node] {
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

// allow-removal SEL: removals of these nodes are not false removals
// (nodes the scenario makes lossy or pauses on purpose). none: forget.
func cmdAllowRemoval(r *runner, a *args) (string, error) {
	if a.pos[0] == "none" {
		clear(r.allowed)
		return "no removal allowed", nil
	}
	idx, err := r.posNodes("allow-removal", a.pos[0])
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		r.allowed[i] = true
	}
	var all []int
	for i := range r.s.Nodes() {
		if r.allowed[i] {
			all = append(all, i)
		}
	}
	return fmt.Sprintf("removals of %s allowed", nodesNoun(all)), nil
}
