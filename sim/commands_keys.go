package sim

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tickgossip/gossip"
)

// Keys are named in scripts (k1, k2, ...); keyBytes turns a name into a
// 16-byte key.
func keyBytes(name string) []byte {
	sum := sha256.Sum256([]byte("gossip sim key " + name))
	return sum[:16]
}

// keyList parses "k1,k2" into keys.
func keyList(names string) [][]byte {
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

// keys add|use|remove K [node=SEL] [every=D]: change the keyring of every
// live node (or the nodes SEL), one after the other, D apart.
func cmdKeysChange(r *runner, a *args) (string, error) {
	verb := strings.TrimPrefix(a.cmd.name, "keys ")
	name := a.pos[0]
	key := keyBytes(name)
	var call func(*gossip.GossipService, []byte) error
	switch verb {
	case "add":
		call = (*gossip.GossipService).AddKey
	case "use":
		call = (*gossip.GossipService).UseKey
	default:
		call = (*gossip.GossipService).RemoveKey
	}
	nodes := r.live()
	if sel, ok := a.nodes("node"); ok {
		idx, err := r.resolve(sel)
		if err != nil {
			return "", fmt.Errorf("%s: node=: %v", a.cmd.name, err)
		}
		nodes = nodes[:0]
		for _, i := range idx {
			if n := r.s.Node(i); n.Up {
				nodes = append(nodes, n)
			}
		}
	}
	every := a.dur("every", 0)
	var failed []string
	for i, n := range nodes {
		if err := call(n.Svc, key); err != nil {
			failed = append(failed, fmt.Sprintf("node %d: %v", n.Index, err))
		}
		if i < len(nodes)-1 {
			r.s.RunFor(every)
		}
	}
	out := fmt.Sprintf("keys %s %s: %d of %d nodes", verb, name, len(nodes)-len(failed), len(nodes))
	if every > 0 && len(nodes) > 1 {
		out += fmt.Sprintf(", one every %v", every)
	}
	if len(failed) > 0 {
		out += "\n" + strings.Join(failed, "\n")
	}
	return out, nil
}

// keys [show]: the live nodes grouped by keyring, sealing key first.
func cmdKeysShow(r *runner, a *args) (string, error) {
	if len(a.pos) == 1 && a.pos[0] != "show" {
		return "", fmt.Errorf("keys %s: want add, use, remove, roll or show", a.pos[0])
	}
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
	return strings.Join(lines, "\n"), nil
}

// keys roll step=S key=K [every=D]: one pass of a roll-out onto keys.
// It restarts every live node in turn, the way a roll-out would: it
// leaves (so the cluster drops it at once), and a new service (a new id,
// a new member) with the step's settings joins through another connected
// node; then D passes before the next (and after the last).
//
// Keys cannot be switched on, nor the plaintext settings changed, on a
// running service (they are fixed at New), so each step restarts every
// node. The new service could be given the old id, but a new service also
// starts its payload sequence again at 1, which members that saw the old
// one would drop as duplicates: a new id is what a restarted node is.
func cmdKeysRoll(r *runner, a *args) (string, error) {
	step := a.int("step", 0)
	mode, ok := rollSteps[step]
	if !ok {
		return "", fmt.Errorf("keys roll: step=%d, want 1, 2 or 3", step)
	}
	mode.keys = keyList(a.word("key", ""))
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
		r.s.RunFor(every)
	}
	return fmt.Sprintf("step %d (%s): %d nodes left and rejoined as new members, one every %v", step, mode.name, len(nodes), every), nil
}
