package sim

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/tickgossip/gossip"
)

// Scenario commands for sealed datagrams, background traffic, pauses and
// tombstones. Keys are named in scripts (k1, k2, ...); keyBytes turns a
// name into a 16-byte key.

func keyBytes(name string) []byte {
	sum := sha256.Sum256([]byte("gossip sim key " + name))
	return sum[:16]
}

// keyList parses "k1,k2" into keys (nil for "").
func keyList(names string) [][]byte {
	if names == "" {
		return nil
	}
	var keys [][]byte
	for _, n := range strings.Split(names, ",") {
		keys = append(keys, keyBytes(n))
	}
	return keys
}

// sealMode is what a node's next service is configured with during a
// roll-out: it replaces the simulation's Keys.
type sealMode struct {
	keys         [][]byte
	accept, send bool
	name         string
}

func (m sealMode) apply(c *gossip.Config) {
	c.Keys, c.AcceptPlaintext, c.SendPlaintext = slices.Clone(m.keys), m.accept, m.send
}

// rollSteps are the three passes of a roll-out from plaintext onto keys.
// Each must be finished on every node before the next starts.
var rollSteps = map[int]sealMode{
	1: {accept: true, send: true, name: "opens sealed, sends plaintext"},
	2: {accept: true, name: "seals, accepts plaintext"},
	3: {name: "sealed only"},
}

// advance runs the simulation for d, publishing the background traffic's
// payloads on time.
func (r *runner) advance(d time.Duration) {
	if r.traffic <= 0 {
		r.s.RunFor(d)
		return
	}
	end := r.s.Elapsed() + d
	for r.nextPayload <= end {
		r.s.RunFor(r.nextPayload - r.s.Elapsed())
		r.nextPayload += r.traffic
		var ready []*Node
		for _, n := range r.live() {
			if !n.Paused() && n.Svc.State() == gossip.Connected {
				ready = append(ready, n)
			}
		}
		if len(ready) == 0 {
			continue
		}
		n := ready[r.s.rng.IntN(len(ready))]
		p := []byte(fmt.Sprintf("traffic %d from node %d ", r.trafficSent+1, n.Index))
		for len(p) < 32 {
			p = append(p, '.')
		}
		if err := n.Publish(p); err != nil {
			panic(fmt.Sprintf("traffic: node %d: %v", n.Index, err))
		}
		r.trafficSent++
	}
	r.s.RunFor(end - r.s.Elapsed())
}

// traffic every=D | traffic off: while the simulation runs (run, keys),
// a 32-byte payload every D from a random connected node.
func cmdTraffic(r *runner, a args, pos []string) (string, error) {
	if len(pos) > 0 && pos[0] == "off" {
		r.traffic = 0
		return fmt.Sprintf("traffic off: %d payloads sent", r.trafficSent), nil
	}
	r.traffic = a.dur("every", 100*time.Millisecond)
	r.nextPayload = r.s.Elapsed() + r.traffic
	return fmt.Sprintf("a payload every %v from a random connected node", r.traffic), nil
}

// targets returns node=N, or every live node.
func (r *runner) targets(a args) ([]*Node, error) {
	if v, ok := a["node"]; ok {
		n, err := nodeArg(r, []string{v})
		if err != nil {
			return nil, err
		}
		return []*Node{n}, nil
	}
	return r.live(), nil
}

// keys add|use|remove K [node=N] [every=D]: change the keyring of every
// live node (or node N), one after the other, running D in between.
// keys roll step=S key=K [every=D]: one pass of a roll-out onto keys.
// keys [show]: the live nodes' keyrings.
func cmdKeys(r *runner, a args, pos []string) (string, error) {
	if len(pos) == 0 || pos[0] == "show" {
		return r.showKeys(), nil
	}
	if pos[0] == "roll" {
		return r.roll(a)
	}
	if len(pos) < 2 {
		return "", fmt.Errorf("keys %s: which key?", pos[0])
	}
	key := keyBytes(pos[1])
	var call func(*gossip.GossipService, []byte) error
	switch pos[0] {
	case "add":
		call = (*gossip.GossipService).AddKey
	case "use":
		call = (*gossip.GossipService).UseKey
	case "remove":
		call = (*gossip.GossipService).RemoveKey
	default:
		return "", fmt.Errorf("keys %s: want add, use, remove, roll or show", pos[0])
	}
	nodes, err := r.targets(a)
	if err != nil {
		return "", err
	}
	every := a.dur("every", 0)
	var failed []string
	for i, n := range nodes {
		if err := call(n.Svc, key); err != nil {
			failed = append(failed, fmt.Sprintf("node %d: %v", n.Index, err))
		}
		if i < len(nodes)-1 {
			r.advance(every)
		}
	}
	out := fmt.Sprintf("keys %s %s: %d of %d nodes", pos[0], pos[1], len(nodes)-len(failed), len(nodes))
	if every > 0 && len(nodes) > 1 {
		out += fmt.Sprintf(", one every %v", every)
	}
	if len(failed) > 0 {
		out += "\n" + strings.Join(failed, "\n")
	}
	return out, nil
}

// showKeys groups the live nodes by keyring, sealing key first.
func (r *runner) showKeys() string {
	names := map[gossip.KeyID]string{}
	for i := range 10 {
		k := fmt.Sprintf("k%d", i)
		names[gossip.KeyID(sha256.Sum256(keyBytes(k))[0])] = k
	}
	var order []string
	count := map[string]int{}
	for _, n := range r.live() {
		ring := "no keys"
		if ids := n.Svc.KeyIDs(); ids != nil {
			var ns []string
			for _, id := range ids {
				if name, ok := names[id]; ok {
					ns = append(ns, name)
				} else {
					ns = append(ns, fmt.Sprintf("#%02x", byte(id)))
				}
			}
			ring = "[" + strings.Join(ns, " ") + "]"
		}
		if count[ring] == 0 {
			order = append(order, ring)
		}
		count[ring]++
	}
	var lines []string
	for _, ring := range order {
		lines = append(lines, fmt.Sprintf("%d nodes: %s", count[ring], ring))
	}
	return strings.Join(lines, "\n")
}

// roll restarts every live node in turn, the way a roll-out would: it
// leaves (so the cluster drops it at once), and a new service (a new id,
// a new member) with the step's settings joins through another connected
// node; then D passes before the next (and after the last).
//
// Keys cannot be switched on, nor the plaintext settings changed, on a
// running service (they are fixed at New), so each step restarts every
// node. The new service could be given the old id, but a new service also
// starts its payload sequence again at 1, which members that saw the old
// one would drop as duplicates: a new id is what a restarted node is.
func (r *runner) roll(a args) (string, error) {
	step := a.int("step", 0)
	mode, ok := rollSteps[step]
	if !ok {
		return "", fmt.Errorf("keys roll: step=%d, want 1, 2 or 3", step)
	}
	mode.keys = keyList(a["key"])
	if mode.keys == nil {
		return "", fmt.Errorf("keys roll: key=K missing")
	}
	every := a.dur("every", time.Second)
	nodes := r.live()
	for _, n := range nodes {
		if n.Svc.State() != gossip.Connected {
			return "", fmt.Errorf("keys roll: node %d is %v", n.Index, n.Svc.State())
		}
		var via *Node
		for k := 1; k < len(r.s.Nodes()) && via == nil; k++ {
			o := r.s.Node((n.Index + k) % len(r.s.Nodes()))
			if o.Up && !o.Paused() && o.Svc.State() == gossip.Connected {
				via = o
			}
		}
		if via == nil {
			return "", fmt.Errorf("keys roll: no connected node for node %d to join through", n.Index)
		}
		if err := n.Leave(); err != nil {
			return "", err
		}
		r.modes[n.Index] = mode
		if err := n.Restart(via); err != nil {
			return "", err
		}
		r.advance(every)
	}
	return fmt.Sprintf("step %d (%s): %d nodes left and rejoined as new members, one every %v", step, mode.name, len(nodes), every), nil
}

func cmdPause(r *runner, _ args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	n.Pause()
	return fmt.Sprintf("node %d paused", n.Index), nil
}

func cmdResume(r *runner, _ args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	n.Resume()
	return fmt.Sprintf("node %d resumed", n.Index), nil
}

// tracker returns an OnMember callback that keeps node i's member ids in
// r.tables, from a fresh table: checking them after every event costs a
// map lookup, where GossipService.Members allocates.
func (r *runner) tracker(i int) func(gossip.MemberEvent) {
	table := map[gossip.NodeID]bool{}
	r.tables[i] = table
	return func(ev gossip.MemberEvent) {
		if ev.Kind == gossip.MemberJoined {
			table[ev.Member.ID] = true
		} else {
			delete(table, ev.Member.ID)
		}
	}
}

// listing returns how many other live nodes list one of ids.
func (r *runner) listing(n *Node, ids ...gossip.NodeID) int {
	if r.tables == nil {
		panic("member tables not tracked: start with new ... track=1")
	}
	k := 0
	for _, o := range r.live() {
		if o == n {
			continue
		}
		for _, id := range ids {
			if r.tables[o.Index][id] {
				k++
				break
			}
		}
	}
	return k
}

// idsOf returns every id node n has had.
func idsOf(n *Node) []gossip.NodeID {
	ids := slices.Clone(n.PastIDs)
	if n.Up {
		ids = append(ids, n.ID())
	}
	return ids
}

// forgotten N within=D: run until no other live node lists any id node N
// has had, its current one included (a paused node is removed while
// alive), and say how long that took.
func cmdForgotten(r *runner, a args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	within := a.dur("within", time.Minute)
	start := r.s.Elapsed()
	if !r.s.RunUntil(func() bool { return r.listing(n, idsOf(n)...) == 0 }, within) {
		return fmt.Sprintf("node %d still listed by %d nodes after %v", n.Index, r.listing(n, idsOf(n)...), within), nil
	}
	return fmt.Sprintf("node %d removed by every other live node after %v", n.Index, (r.s.Elapsed() - start).Round(time.Millisecond)), nil
}

// rejoined N within=D: run until every other live node lists node N's
// current id; like known, at the cost of a map lookup per check.
func cmdRejoined(r *runner, a args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	within := a.dur("within", time.Minute)
	others := len(r.live()) - 1
	start := r.s.Elapsed()
	if !r.s.RunUntil(func() bool { return r.listing(n, n.ID()) == others }, within) {
		return fmt.Sprintf("node %d listed by %d of %d other live nodes after %v", n.Index, r.listing(n, n.ID()), others, within), nil
	}
	return fmt.Sprintf("node %d listed by every other live node again after %v", n.Index, (r.s.Elapsed() - start).Round(time.Millisecond)), nil
}

// listed N: how many other live nodes list node N's current id, and its
// earlier ones, now.
func cmdListed(r *runner, _ args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	if !n.Up {
		return fmt.Sprintf("node %d (down): its ids listed by %d of %d live nodes",
			n.Index, r.listing(n, n.PastIDs...), len(r.live())), nil
	}
	return fmt.Sprintf("node %d: listed by %d of %d other live nodes, its earlier ids by %d",
		n.Index, r.listing(n, n.ID()), len(r.live())-1, r.listing(n, n.PastIDs...)), nil
}

// stat [all=1] FIELD...: the sum of Stats fields (Sealing.Opened, say,
// or Dropped.Total) over the live nodes, and with all=1 over the stopped
// services too.
func cmdStat(r *runner, a args, pos []string) (string, error) {
	var all []gossip.Stats
	for _, n := range r.s.Nodes() {
		if n.Up {
			all = append(all, n.Svc.Stats())
		}
		if a.int("all", 0) == 1 {
			all = append(all, n.PastStats...)
		}
	}
	var lines []string
	for _, f := range pos {
		var sum uint64
		for _, st := range all {
			v := reflect.ValueOf(st)
			for _, part := range strings.Split(f, ".") {
				if m := v.MethodByName(part); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
					v = m.Call(nil)[0] // Dropped.Total, say
				} else if v = v.FieldByName(part); !v.IsValid() {
					return "", fmt.Errorf("stat: no field %q", f)
				}
			}
			switch v.Kind() {
			case reflect.Uint64:
				sum += v.Uint()
			case reflect.Int:
				sum += uint64(v.Int())
			default:
				return "", fmt.Errorf("stat: %s is not a counter", f)
			}
		}
		lines = append(lines, fmt.Sprintf("%s %d", f, sum))
	}
	return fmt.Sprintf("over %d services: %s", len(all), strings.Join(lines, ", ")), nil
}
