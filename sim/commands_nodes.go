package sim

import (
	"fmt"
	"slices"
	"time"
)

// crash SEL | crash count=K ...: the nodes stop silently, no Leave.
func cmdCrash(r *runner, a *args) (string, error) {
	idx, err := r.targets(a)
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		r.s.Node(i).Crash()
	}
	return nodesNoun(idx) + " crashed", nil
}

// leave SEL | leave count=K ...: the nodes leave gracefully.
func cmdLeave(r *runner, a *args) (string, error) {
	idx, err := r.targets(a)
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		if err := r.s.Node(i).Leave(); err != nil {
			return "", fmt.Errorf("leave: node %d: %w", i, err)
		}
	}
	return nodesNoun(idx) + " left", nil
}

// restart SEL [via=N]: a new service (new id) at each node's address
// joins through node N (default 0).
func cmdRestart(r *runner, a *args) (string, error) {
	idx, err := r.posNodes("restart", a.pos[0])
	if err != nil {
		return "", err
	}
	via, err := r.node(a.int("via", 0))
	if err != nil {
		return "", fmt.Errorf("restart: via=: %v", err)
	}
	for _, i := range idx {
		if i == via.Index {
			return "", fmt.Errorf("restart: node %d cannot join through itself (via=)", i)
		}
		if err := r.s.Node(i).Restart(via); err != nil {
			return "", fmt.Errorf("restart: node %d: %w", i, err)
		}
	}
	if len(idx) == 1 {
		return fmt.Sprintf("node %d restarted as a new member, joining through node %d", idx[0], via.Index), nil
	}
	return fmt.Sprintf("%s restarted as new members, joining through node %d", nodesNoun(idx), via.Index), nil
}

// pause SEL | pause count=K ...: the nodes stop being driven (a stopped
// process) until resume.
func cmdPause(r *runner, a *args) (string, error) {
	idx, err := r.targets(a)
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		r.s.Node(i).Pause()
	}
	return nodesNoun(idx) + " paused", nil
}

func cmdResume(r *runner, a *args) (string, error) {
	idx, err := r.posNodes("resume", a.pos[0])
	if err != nil {
		return "", err
	}
	for _, i := range idx {
		r.s.Node(i).Resume()
	}
	return nodesNoun(idx) + " resumed", nil
}

// pauses fraction=P for=D [seed=S]: while the simulation runs, pauses
// start at random times (a Poisson process), each of a random running
// node for D, at the rate that keeps about P of the nodes paused.
func cmdPauses(r *runner, a *args) (string, error) {
	frac, dur := a.prob("fraction", 0), a.dur("for", 0)
	if dur <= 0 {
		return "", fmt.Errorf("pauses: for= must be more than 0")
	}
	mean := frac * float64(len(r.s.Nodes())) // nodes paused at a time
	if mean == 0 {
		return "", fmt.Errorf("pauses: fraction=%s of %d nodes pauses none (pauses off stops them)", pct(frac), len(r.s.Nodes()))
	}
	rng := r.s.rng
	if a.has("seed") {
		rng = seededRand(a.seed("seed", 0))
	}
	gap := float64(dur) / mean // mean time between pause starts
	r.pausesGen++
	gen := r.pausesGen
	var next func()
	next = func() {
		if gen != r.pausesGen {
			return
		}
		var ready []*Node
		for _, n := range r.s.Nodes() {
			if n.Up && !n.Paused() {
				ready = append(ready, n)
			}
		}
		if len(ready) > 0 {
			n := ready[rng.IntN(len(ready))]
			id := n.ID()
			n.Pause()
			r.pausesDone++
			r.s.After(dur, func() {
				if n.Up && n.ID() == id {
					n.Resume()
				}
			})
		}
		r.s.After(time.Duration(rng.ExpFloat64()*gap), next)
	}
	r.s.After(time.Duration(rng.ExpFloat64()*gap), next)
	return fmt.Sprintf("pauses of %v at random times, one every %v on average: about %.3g of %d nodes paused at a time",
		dur, ms(time.Duration(gap)), mean, len(r.s.Nodes())), nil
}

// pauses off: no new pauses; those under way end on time.
func cmdPausesOff(r *runner, _ *args) (string, error) {
	r.pausesGen++
	return fmt.Sprintf("pauses off: %d pauses", r.pausesDone), nil
}

// pick NAME SEL | pick NAME count=K ...: name a set of nodes, to use
// wherever a selector goes.
func cmdPick(r *runner, a *args) (string, error) {
	name := a.pos[0]
	if !isName(name) || slices.Contains(selectorWords, name) || name == "none" {
		return "", fmt.Errorf("pick: %q cannot name a set: a letter, then letters, digits, - and _, and not %v or none", name, selectorWords)
	}
	b := *a
	b.pos = a.pos[1:]
	idx, err := r.targets(&b)
	if err != nil {
		return "", err
	}
	r.sets[name] = idx
	return fmt.Sprintf("%s: %s", name, nodesNoun(idx)), nil
}
