package sim

import (
	"fmt"
	"strings"
	"time"
)

// meta SEL value=W [count=N every=D]: SetMeta on each node. With count,
// the node sets W1, W2, ... WN, one every D (default 100ms), the last one
// when the command returns; the simulation runs meanwhile. Every node's
// view of the nodes' metadata is recorded from then on, for check meta
// and meta-regressions.
func cmdMeta(r *runner, a *args) (string, error) {
	if err := r.needTracking("meta"); err != nil {
		return "", err
	}
	idx, err := r.posNodes("meta", a.pos[0])
	if err != nil {
		return "", err
	}
	value := a.word("value", "")
	count := a.int("count", 0)
	every := a.dur("every", 100*time.Millisecond)
	for _, i := range idx {
		if n := r.s.Node(i); n.Up {
			r.s.watchMeta(n)
		}
	}
	set := func(v string) error {
		for _, i := range idx {
			n := r.s.Node(i)
			if !n.Up {
				continue
			}
			if err := n.Svc.SetMeta([]byte(v)); err != nil {
				return fmt.Errorf("meta: node %d: %v", i, err)
			}
			n.wake(0)
		}
		return nil
	}
	if count == 0 {
		if err := set(value); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s set metadata %q", nodesNoun(idx), value), nil
	}
	for k := 1; k <= count; k++ {
		if k > 1 {
			r.s.RunFor(every)
		}
		if err := set(fmt.Sprintf("%s%d", value, k)); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%s set metadata %q to %q, %d times %v apart", nodesNoun(idx), value+"1", fmt.Sprintf("%s%d", value, count), count, every), nil
}

// check meta N value=W [within=D]: every other live node sees node N's
// metadata as W.
func cmdCheckMeta(r *runner, a *args) (string, error) {
	if err := r.needTracking("check meta"); err != nil {
		return "", err
	}
	idx, err := r.posNodes("check meta", a.pos[0])
	if err != nil {
		return "", err
	}
	value := a.word("value", "")
	within := a.dur("within", 0)
	stale := func() []int {
		var out []int
		for _, i := range idx {
			n := r.s.Node(i)
			for _, o := range r.live() {
				if o == n {
					continue
				}
				if m, _, ok := r.s.MetaSeen(o.Index, n); !ok || m != value {
					out = append(out, o.Index)
				}
			}
		}
		return out
	}
	ok, took := r.waitFor(within, false, func() bool { return len(stale()) == 0 })
	if !ok {
		st := stale()
		var seen []string
		for _, o := range st[:min(len(st), 3)] {
			m, inc, _ := r.s.MetaSeen(o, r.s.Node(idx[0]))
			seen = append(seen, fmt.Sprintf("node %d sees %q (incarnation %d)", o, m, inc))
		}
		return "", failf("after %v: %d live nodes do not see %q: %s", ms(within), len(st), value, strings.Join(seen, ", "))
	}
	return fmt.Sprintf("every live node sees %s's metadata %q after %v", nodesNoun(idx), value, ms(took)), nil
}
