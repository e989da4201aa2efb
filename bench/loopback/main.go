// Command loopback measures the engine the way the project's bar is set:
// N nodes on 127.0.0.1 over real UDP, one poll loop over all their
// sockets, broadcasts from random nodes, and for each the time until every
// node has it and the datagrams it cost; then the idle traffic.
//
// The poll timeout is Tick's wait rounded up to a millisecond, as a caller
// should (truncating it would busy-poll every wait under 1 ms). Goroutines
// are counted on every turn of the loop, and the most seen is reported.
// The idle traffic measured afterwards is subtracted over the whole
// broadcast phase, the time the broadcasts took as well as the gaps
// between them, since the rounds go on throughout. Times depend on the
// machine and its load, which the output states: compare runs on one
// machine, or ratios.
//
// Usage:
//
//	go run ./bench/loopback -nodes 64 -broadcasts 20
//
// Flags: -nodes (64), -broadcasts (20), -gap (time between broadcasts,
// 500ms), -fanout (RumorFactor, 3), -tick (TickInterval, 1s), -idle (how
// long idle traffic is measured, 10s), -json.
//go:build unix

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// Result is what one run measured.
type Result struct {
	Nodes, Fanout, Broadcasts     int
	Tick                          string
	CPUs                          int
	LoadAverage                   string // /proc/loadavg before the run, where there is one
	BroadcastSeconds              float64
	Complete                      int
	MedianMs, P99Ms, MaxMs        float64
	DatagramsPerNodePerBroadcast  float64
	IdleDatagramsPerSecondPerNode float64
	GoroutinesPerNode             float64
	AllocsPerDatagram             float64
}

type node struct {
	svc *gossip.GossipService
	got map[string]time.Time
}

func main() {
	n := flag.Int("nodes", 64, "nodes")
	broadcasts := flag.Int("broadcasts", 20, "broadcasts")
	gap := flag.Duration("gap", 500*time.Millisecond, "time between broadcasts")
	fanout := flag.Int("fanout", 3, "RumorFactor")
	tick := flag.Duration("tick", time.Second, "TickInterval")
	idle := flag.Duration("idle", 10*time.Second, "idle measurement")
	asJSON := flag.Bool("json", false, "JSON output")
	flag.Parse()

	load := loadAverage()
	g0 := runtime.NumGoroutine()
	gmax := g0
	nodes := make([]*node, *n)
	for i := range nodes {
		nd := &node{got: map[string]time.Time{}}
		cfg := gossip.DefaultConfig()
		cfg.RumorFactor, cfg.TickInterval = *fanout, *tick
		cfg.StatusFanout = 1
		cfg.OnData = func(_ gossip.NodeID, _ uint32, p []byte) { nd.got[string(p)] = time.Now() }
		svc, err := gossip.New(cfg)
		if err != nil {
			fail(err)
		}
		nd.svc = svc
		nodes[i] = nd
	}
	nodes[0].svc.Join()
	fds := make([]unix.PollFd, len(nodes))
	turn := func(limit time.Duration) {
		wait := limit
		for i, nd := range nodes {
			wait = min(wait, nd.svc.Tick())
			fds[i] = unix.PollFd{Fd: int32(nd.svc.FD()), Events: unix.POLLIN}
		}
		unix.Poll(fds, millis(wait))
		for _, nd := range nodes {
			nd.svc.Receive()
			nd.svc.Send()
		}
		gmax = max(gmax, runtime.NumGoroutine())
	}
	runFor := func(d time.Duration, done func() bool) bool {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			if done != nil && done() {
				return true
			}
			turn(time.Until(end))
		}
		return done != nil && done()
	}
	allKnow := func() bool {
		for _, nd := range nodes {
			if nd.svc.NumMembers() != *n-1 {
				return false
			}
		}
		return true
	}
	// Nodes join one after another, 20 ms apart, as a deployment rolls out.
	for _, nd := range nodes[1:] {
		nd.svc.Join(nodes[0].svc.Addr())
		runFor(20*time.Millisecond, nil)
	}
	if !runFor(60*time.Second, allKnow) {
		var counts []int
		var ev, st uint64
		for _, nd := range nodes {
			counts = append(counts, nd.svc.NumMembers())
			ev += nd.svc.Stats().Evicted
			st += uint64(nd.svc.State())
		}
		fail(fmt.Errorf("membership did not converge: %v evicted %d states %d", counts, ev, st))
	}
	runFor(2*time.Second, nil) // let the join traffic settle

	out := func() uint64 {
		var t uint64
		for _, nd := range nodes {
			t += nd.svc.Stats().DatagramsOut
		}
		return t
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs0 := ms.Mallocs
	res := Result{Nodes: *n, Fanout: *fanout, Broadcasts: *broadcasts, Tick: tick.String(), CPUs: runtime.NumCPU(), LoadAverage: load}
	var times []float64
	r := rand.New(rand.NewPCG(1, 2))
	sent0 := out()
	began := time.Now()
	for b := range *broadcasts {
		key := fmt.Sprintf("broadcast %d", b)
		from := nodes[r.IntN(*n)]
		start := time.Now()
		if err := from.svc.SendData([]byte(key)); err != nil {
			fail(err)
		}
		all := func() bool {
			for _, nd := range nodes {
				if nd != from {
					if _, ok := nd.got[key]; !ok {
						return false
					}
				}
			}
			return true
		}
		if runFor(10*time.Second, all) {
			res.Complete++
			last := start
			for _, nd := range nodes {
				if t, ok := nd.got[key]; ok && t.After(last) {
					last = t
				}
			}
			times = append(times, float64(last.Sub(start).Microseconds())/1000)
		}
		runFor(*gap, nil)
	}
	datagrams := out() - sent0
	window := time.Since(began).Seconds()
	runtime.ReadMemStats(&ms)
	res.AllocsPerDatagram = float64(ms.Mallocs-mallocs0) / float64(datagrams)
	slices.Sort(times)
	if len(times) > 0 {
		res.MedianMs = times[len(times)/2]
		res.P99Ms = times[min(len(times)-1, len(times)*99/100)]
		res.MaxMs = times[len(times)-1]
	}
	// The rounds go on during the broadcasts and between them: subtract
	// what they cost over the whole window, so the figure is what the
	// broadcasts cost.
	idle0 := out()
	idleStart := time.Now()
	runFor(*idle, nil)
	idleRate := float64(out()-idle0) / time.Since(idleStart).Seconds() / float64(*n)
	res.IdleDatagramsPerSecondPerNode = idleRate
	res.BroadcastSeconds = window
	res.GoroutinesPerNode = float64(gmax-g0) / float64(*n)
	res.DatagramsPerNodePerBroadcast = (float64(datagrams)/float64(*n) - idleRate*window) / float64(*broadcasts)
	for _, nd := range nodes {
		nd.svc.Close()
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return
	}
	fmt.Printf("nodes %d, fanout %d, tick %v, %d broadcasts %v apart\n", *n, *fanout, *tick, *broadcasts, *gap)
	fmt.Printf("machine:                       %d CPUs, load average %s (times depend on it)\n", res.CPUs, res.LoadAverage)
	fmt.Printf("reached every node:            %d of %d\n", res.Complete, *broadcasts)
	fmt.Printf("time to every node:            median %.1f ms, p99 %.1f ms, max %.1f ms\n", res.MedianMs, res.P99Ms, res.MaxMs)
	fmt.Printf("datagrams per node/broadcast:  %.2f (idle traffic over the %.1f s of broadcasts subtracted)\n", res.DatagramsPerNodePerBroadcast, res.BroadcastSeconds)
	fmt.Printf("idle datagrams per s per node: %.2f\n", res.IdleDatagramsPerSecondPerNode)
	fmt.Printf("goroutines per node:           %.2f (most seen while the loop ran, less those before)\n", res.GoroutinesPerNode)
	fmt.Printf("allocations per datagram:      %.3f (whole program, loop and bookkeeping included)\n", res.AllocsPerDatagram)
}

// millis converts a wait to poll's milliseconds, rounding up, so that a
// wait under a millisecond sleeps one instead of spinning.
func millis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
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

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loopback:", err)
	os.Exit(1)
}
