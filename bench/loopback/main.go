// Command loopback measures the engine the way the project's bar is set:
// N nodes on 127.0.0.1 over real UDP, one poll loop over all their
// sockets, broadcasts from random nodes, and for each the time until every
// node has it and the datagrams it cost; then the idle traffic.
//
// Usage:
//
//	go run ./bench/loopback -nodes 64 -broadcasts 20
//
// Flags: -nodes (64), -broadcasts (20), -gap (time between broadcasts,
// 500ms), -fanout (RumorFactor, 3), -tick (TickInterval, 1s), -idle (how
// long idle traffic is measured, 10s), -json.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// Result is what one run measured.
type Result struct {
	Nodes, Fanout, Broadcasts     int
	Tick                          string
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

	g0 := runtime.NumGoroutine()
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
	goroutines := float64(runtime.NumGoroutine()-g0) / float64(*n)
	nodes[0].svc.Join()
	fds := make([]unix.PollFd, len(nodes))
	turn := func(limit time.Duration) {
		wait := limit
		for i, nd := range nodes {
			wait = min(wait, nd.svc.Tick())
			fds[i] = unix.PollFd{Fd: int32(nd.svc.FD()), Events: unix.POLLIN}
		}
		unix.Poll(fds, int(wait.Milliseconds()))
		for _, nd := range nodes {
			nd.svc.Receive()
			nd.svc.Send()
		}
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
	res := Result{Nodes: *n, Fanout: *fanout, Broadcasts: *broadcasts, Tick: tick.String(), GoroutinesPerNode: goroutines}
	var times []float64
	r := rand.New(rand.NewPCG(1, 2))
	sent0 := out()
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
	runtime.ReadMemStats(&ms)
	res.AllocsPerDatagram = float64(ms.Mallocs-mallocs0) / float64(datagrams)
	slices.Sort(times)
	if len(times) > 0 {
		res.MedianMs = times[len(times)/2]
		res.P99Ms = times[min(len(times)-1, len(times)*99/100)]
		res.MaxMs = times[len(times)-1]
	}
	// The broadcast window includes the idle rounds between broadcasts;
	// subtract them so the figure is what broadcasts cost.
	idle0 := out()
	idleStart := time.Now()
	runFor(*idle, nil)
	idleRate := float64(out()-idle0) / time.Since(idleStart).Seconds() / float64(*n)
	res.IdleDatagramsPerSecondPerNode = idleRate
	window := float64(*broadcasts) * (gap.Seconds())
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
	fmt.Printf("reached every node:            %d of %d\n", res.Complete, *broadcasts)
	fmt.Printf("time to every node:            median %.1f ms, p99 %.1f ms, max %.1f ms\n", res.MedianMs, res.P99Ms, res.MaxMs)
	fmt.Printf("datagrams per node/broadcast:  %.2f (idle traffic subtracted)\n", res.DatagramsPerNodePerBroadcast)
	fmt.Printf("idle datagrams per s per node: %.2f\n", res.IdleDatagramsPerSecondPerNode)
	fmt.Printf("goroutines per node:           %.2f\n", res.GoroutinesPerNode)
	fmt.Printf("allocations per datagram:      %.3f (whole program, loop and bookkeeping included)\n", res.AllocsPerDatagram)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loopback:", err)
	os.Exit(1)
}
