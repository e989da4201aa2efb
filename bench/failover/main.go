// Command failover measures failure detection on real UDP: N nodes on
// 127.0.0.1, each driven by its own runner (one goroutine and one socket
// per node, as separate processes would be), with the library's defaults.
// Once the cluster has formed and settled, it measures the idle traffic,
// then kills one node without a goodbye (its runner is closed, its socket
// with it, as a SIGKILL would) and prints, for every other node, the time
// until its member table dropped the dead one: p50 and max. It repeats
// that -kills times, each time with another node, and prints the false
// removals seen (live nodes removed anywhere; there should be none).
//
// Usage:
//
//	go run ./bench/failover -nodes 64 -kills 5
//
// Flags: -nodes (64), -kills (5), -settle (time after formation before
// measuring, 10s), -idle (how long idle traffic is measured, 10s),
// -timeout (how long to wait for one removal everywhere, 30s), -queue
// (MaxOutboundMessages, the default), -json.
// Times depend on the machine and its load, which the output states.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// Result is what one run measured.
type Result struct {
	Nodes, Kills                  int
	CPUs                          int
	LoadAverage                   string
	FormSeconds                   float64
	IdleDatagramsPerSecondPerNode float64
	// Per kill, over the live nodes: when each removed the dead node, in
	// seconds after the kill.
	P50Seconds, MaxSeconds []float64
	FalseRemovals          int
}

// watcher records, for one node, when it removed which member.
type watcher struct {
	mu      sync.Mutex
	removed map[gossip.NodeID]time.Time
	failed  map[gossip.NodeID]int
}

func main() {
	nodes := flag.Int("nodes", 64, "nodes")
	kills := flag.Int("kills", 5, "nodes killed, one after another")
	settle := flag.Duration("settle", 10*time.Second, "time after formation before measuring")
	idle := flag.Duration("idle", 10*time.Second, "idle measurement")
	timeout := flag.Duration("timeout", 30*time.Second, "wait for one removal everywhere")
	queue := flag.Int("queue", gossip.DefaultConfig().MaxOutboundMessages, "MaxOutboundMessages (the seed answers a burst of joins)")
	asJSON := flag.Bool("json", false, "JSON output")
	flag.Parse()

	res := Result{Nodes: *nodes, Kills: *kills, CPUs: runtime.NumCPU(), LoadAverage: loadAverage()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	rs := make([]*runner.Runner, *nodes)
	ws := make([]*watcher, *nodes)
	ids := map[gossip.NodeID]int{}
	var wg sync.WaitGroup
	for i := range rs {
		cfg := gossip.DefaultConfig()
		cfg.MaxOutboundMessages = *queue
		opts := runner.Options{Events: 4096}
		if i > 0 {
			opts.Seeds = []multiaddr.Multiaddr{rs[0].Addr()}
		}
		r, err := runner.New(cfg, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "failover:", err)
			os.Exit(1)
		}
		rs[i], ids[r.ID()] = r, i
		w := &watcher{removed: map[gossip.NodeID]time.Time{}, failed: map[gossip.NodeID]int{}}
		ws[i] = w
		wg.Add(2)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
		go func() {
			defer wg.Done()
			for ev := range r.Events() {
				if ev.Kind == gossip.MemberFailed || ev.Kind == gossip.MemberLeft {
					w.mu.Lock()
					w.removed[ev.Member.ID] = time.Now()
					w.failed[ev.Member.ID]++
					w.mu.Unlock()
				}
			}
		}()
		if i == 0 {
			if err := r.WaitReady(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "failover:", err)
				os.Exit(1)
			}
		}
	}
	start := time.Now()
	for !formed(rs, nil) {
		if time.Since(start) > time.Minute {
			fmt.Fprintln(os.Stderr, "failover: the cluster did not form within a minute")
			os.Exit(1)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.FormSeconds = time.Since(start).Seconds()
	time.Sleep(*settle)

	out0 := sent(rs, nil)
	time.Sleep(*idle)
	res.IdleDatagramsPerSecondPerNode = float64(sent(rs, nil)-out0) / idle.Seconds() / float64(len(rs))

	dead := map[int]bool{}
	order := rand.Perm(len(rs) - 1) // never the seed: later kills still have it
	for k := range min(*kills, len(rs)-2) {
		victim := order[k] + 1
		id := rs[victim].ID()
		listing := map[int]bool{} // the nodes that list it: the ones that must remove it
		for i, r := range rs {
			if dead[i] || i == victim {
				continue
			}
			for _, m := range r.Members() {
				if m.ID == id {
					listing[i] = true
				}
			}
		}
		killed := time.Now()
		rs[victim].Close() // no Leave: the socket closes as a killed process's would
		dead[victim] = true
		deadline := killed.Add(*timeout)
		for !gone(rs, dead, id) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		var took []float64
		for i, w := range ws {
			if dead[i] || !listing[i] {
				continue
			}
			w.mu.Lock()
			at, ok := w.removed[id]
			w.mu.Unlock()
			if ok {
				took = append(took, at.Sub(killed).Seconds())
			} else {
				took = append(took, timeout.Seconds()) // never: counted at the timeout
				if os.Getenv("FAILOVER_DEBUG") != "" {
					lists := false
					for _, m := range rs[i].Members() {
						if m.ID == id {
							lists = true
						}
					}
					fmt.Fprintf(os.Stderr, "node %d never removed %v (still lists it: %v): %+v\n", i, id, lists, rs[i].Stats().Detector)
				}
			}
		}
		slices.Sort(took)
		res.P50Seconds = append(res.P50Seconds, took[len(took)/2])
		res.MaxSeconds = append(res.MaxSeconds, took[len(took)-1])
		time.Sleep(2 * time.Second)
	}
	for i, w := range ws {
		if dead[i] {
			continue
		}
		w.mu.Lock()
		for id, n := range w.failed {
			if j, ok := ids[id]; ok && !dead[j] {
				res.FalseRemovals += n
			}
		}
		w.mu.Unlock()
	}
	cancel()
	for _, r := range rs {
		r.Close()
	}
	wg.Wait()

	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	fmt.Printf("machine: %d CPUs, load average %s before the run\n", res.CPUs, res.LoadAverage)
	fmt.Printf("%d nodes on 127.0.0.1, one runner each, library defaults (TickInterval 1s, ProbeTimeout 500ms)\n", res.Nodes)
	fmt.Printf("formed in %.2fs; idle traffic %.2f datagrams per second per node\n", res.FormSeconds, res.IdleDatagramsPerSecondPerNode)
	for k := range res.P50Seconds {
		fmt.Printf("kill %d: removed by every other node, p50 %.2fs, max %.2fs\n", k+1, res.P50Seconds[k], res.MaxSeconds[k])
	}
	p50, mx := slices.Clone(res.P50Seconds), slices.Clone(res.MaxSeconds)
	slices.Sort(p50)
	slices.Sort(mx)
	if len(p50) > 0 {
		fmt.Printf("over %d kills: p50 %.2f-%.2fs, max %.2f-%.2fs; false removals %d\n",
			len(p50), p50[0], p50[len(p50)-1], mx[0], mx[len(mx)-1], res.FalseRemovals)
	}
}

// formed reports whether every live runner knows every other.
func formed(rs []*runner.Runner, dead map[int]bool) bool {
	live := len(rs) - len(dead)
	for i, r := range rs {
		if !dead[i] && len(r.Members()) != live-1 {
			return false
		}
	}
	return true
}

// gone reports whether no live runner lists id.
func gone(rs []*runner.Runner, dead map[int]bool, id gossip.NodeID) bool {
	for i, r := range rs {
		if dead[i] {
			continue
		}
		for _, m := range r.Members() {
			if m.ID == id {
				return false
			}
		}
	}
	return true
}

// sent sums the live runners' DatagramsOut.
func sent(rs []*runner.Runner, dead map[int]bool) uint64 {
	var n uint64
	for i, r := range rs {
		if !dead[i] {
			n += r.Stats().DatagramsOut
		}
	}
	return n
}

// loadAverage returns /proc/loadavg's first three fields, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
