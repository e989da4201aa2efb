// Command gossipsim runs a scenario script, or one large simulated
// cluster.
//
// With -scenario it runs a scenario file (see go doc
// github.com/tickgossip/gossip/sim for the language) and prints each
// command, ---- and its output as the command finishes; stderr says which
// outputs differ from the recorded ones and which checks failed:
//
//	go run ./sim/cmd/gossipsim -scenario testdata/scenarios/crash_restart.txt
//
//	-scenario FILE  the script to run
//	-seed N         replaces the seed of every new in it (default: as written)
//	-strict         an output that differs from the recorded one fails too
//
// It exits 0 if every check held, 1 if one failed (or, with -strict, an
// output differs), 2 if the script could not run (an unknown command or
// argument, a bad value), naming the line.
//
// Without -scenario it runs one large cluster and reports what a user of
// a gossip library asks: how long until 50%, 99% and 100% of the live
// nodes have a payload, what it costs in datagrams and bytes per node,
// how long the queues grow and how much memory a node holds:
//
//	go run ./sim/cmd/gossipsim -nodes 10000 -loss 0.1 -payloads 50
//
// Flags:
//
//	-nodes N        cluster size (default 1000)
//	-payloads N     payloads sent from random nodes (default 50)
//	-every D        time between payloads (default 20ms)
//	-loss P         probability a datagram is lost (default 0)
//	-latency D      one-way latency (default 2ms), -jitter D (default 1ms)
//	-join-every D   time between joins (default 5ms)
//	-settle D       time after the joins before sending (default 30s)
//	-run D          time after the last payload (default 60s)
//	-tick D         TickInterval (default 1s), -retry D RetryInterval (default 10s)
//	-maxmembers N   MaxMembers (default 1024): above it nodes hold partial views
//	-seed N         the simulation's seed (default 1)
//	-json           print the result as JSON instead of a table
//
// A progress line goes to stderr while it runs.
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

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/sim"
)

// Result is what one run measured.
type Result struct {
	Nodes, Payloads, MaxMembers               int
	Loss                                      float64
	JoinSeedDatagramsPerJoin                  float64
	JoinDatagramsPerJoin                      float64
	MembersKnownMin, MembersKnownMedian       int
	Complete                                  int // payloads that reached every live node
	Duplicates                                uint64
	P50Median, P99Median, P100Median, P100Max string
	P100MedianRounds, P100MaxRounds           int
	DatagramsPerPayloadPerNode                float64
	BytesPerPayloadPerNode                    float64
	QueuePeak                                 int
	BoundedBytesPerNode                       int
	HeapBytesPerNode                          uint64
	WallSeconds                               float64
}

func main() {
	nodes := flag.Int("nodes", 1000, "cluster size")
	payloads := flag.Int("payloads", 50, "payloads to send")
	every := flag.Duration("every", 20*time.Millisecond, "time between payloads")
	loss := flag.Float64("loss", 0, "datagram loss probability")
	latency := flag.Duration("latency", 2*time.Millisecond, "one-way latency")
	jitter := flag.Duration("jitter", time.Millisecond, "latency jitter")
	joinEvery := flag.Duration("join-every", 5*time.Millisecond, "time between joins")
	settle := flag.Duration("settle", 30*time.Second, "time after joins")
	runFor := flag.Duration("run", 60*time.Second, "time after the last payload")
	tick := flag.Duration("tick", time.Second, "TickInterval")
	retry := flag.Duration("retry", 10*time.Second, "RetryInterval")
	maxMembers := flag.Int("maxmembers", 1024, "MaxMembers")
	seed := flag.Uint64("seed", 1, "simulation seed")
	asJSON := flag.Bool("json", false, "print JSON")
	scenario := flag.String("scenario", "", "run this scenario script")
	strict := flag.Bool("strict", false, "with -scenario: an output that differs from the recorded one fails too")
	flag.Parse()
	if *scenario != "" {
		var override uint64
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "seed" {
				override = *seed
			}
		})
		os.Exit(runScenario(*scenario, override, *strict, os.Stdout, os.Stderr))
	}

	start := time.Now()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	s := sim.New(sim.Options{Seed: *seed, Latency: *latency, Jitter: *jitter, Config: func(_ int, c *gossip.Config) {
		c.TickInterval, c.RetryInterval = *tick, *retry
		c.GapTimeout = time.Duration(c.RetryAttempts) * *retry
		c.MaxMembers = *maxMembers
	}})
	for range *nodes {
		if _, err := s.AddNode(); err != nil {
			fail(err)
		}
	}
	if err := s.Node(0).Join(); err != nil {
		fail(err)
	}
	seedOut := s.Node(0).Svc.Stats().DatagramsOut
	for i := 1; i < *nodes; i++ {
		if err := s.Node(i).Join(s.Node(0)); err != nil {
			fail(err)
		}
		s.RunFor(*joinEvery)
		if i%500 == 0 || i == *nodes-1 {
			fmt.Fprintf(os.Stderr, "\rjoined %d/%d nodes, %d datagrams, %.0fs", i, *nodes-1, s.Net().Sent, time.Since(start).Seconds())
		}
	}
	res := Result{Nodes: *nodes, Payloads: *payloads, Loss: *loss, MaxMembers: *maxMembers}
	joins := float64(*nodes - 1)
	res.JoinSeedDatagramsPerJoin = float64(s.Node(0).Svc.Stats().DatagramsOut-seedOut) / joins
	res.JoinDatagramsPerJoin = float64(s.Net().Sent) / joins
	s.RunFor(*settle)
	known := make([]int, 0, *nodes)
	for _, n := range s.Nodes() {
		known = append(known, n.Svc.NumMembers())
	}
	slices.Sort(known)
	res.MembersKnownMin, res.MembersKnownMedian = known[0], known[len(known)/2]

	s.SetLoss(*loss)
	s.ResetTracking()
	r := rand.New(rand.NewPCG(*seed, 7))
	for k := range *payloads {
		n := s.Node(r.IntN(*nodes))
		if err := n.Publish([]byte(fmt.Sprintf("payload %d", k))); err != nil {
			fail(err)
		}
		s.RunFor(*every)
		if k == *payloads-1 {
			fmt.Fprintf(os.Stderr, "\nsent %d payloads, %.0fs\n", *payloads, time.Since(start).Seconds())
		}
	}
	for t := time.Duration(0); t < *runFor; t += 5 * time.Second {
		s.RunFor(5 * time.Second)
		done := 0
		for _, p := range s.Payloads() {
			if got, want := s.Reach(p); got == want {
				done++
			}
		}
		fmt.Fprintf(os.Stderr, "\rt=%v: %d/%d payloads complete, %.0fs     ", s.Elapsed().Round(time.Second), done, *payloads, time.Since(start).Seconds())
	}
	fmt.Fprintln(os.Stderr)
	measure(s, &res, *tick)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	if after.HeapAlloc > before.HeapAlloc {
		res.HeapBytesPerNode = (after.HeapAlloc - before.HeapAlloc) / uint64(*nodes)
	}
	res.WallSeconds = time.Since(start).Seconds()
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return
	}
	printTable(res)
}

func measure(s *sim.Sim, res *Result, tick time.Duration) {
	var p50, p99, p100 []time.Duration
	for _, p := range s.Payloads() {
		if got, want := s.Reach(p); got == want {
			res.Complete++
		}
		if d, ok := s.Quantile(p, 0.5); ok {
			p50 = append(p50, d)
		}
		if d, ok := s.Quantile(p, 0.99); ok {
			p99 = append(p99, d)
		}
		if d, ok := s.Quantile(p, 1); ok {
			p100 = append(p100, d)
		}
	}
	med := func(ts []time.Duration) time.Duration {
		if len(ts) == 0 {
			return -1
		}
		slices.Sort(ts)
		return ts[len(ts)/2]
	}
	res.P50Median, res.P99Median = med(p50).String(), med(p99).String()
	res.P100Median = med(p100).String()
	if len(p100) > 0 {
		res.P100Max = p100[len(p100)-1].String()
		res.P100MedianRounds = int((med(p100) + tick - 1) / tick)
		res.P100MaxRounds = int((p100[len(p100)-1] + tick - 1) / tick)
	}
	dg, by, dups := s.Cost()
	res.Duplicates = dups
	per := float64(len(s.Payloads())) * float64(len(s.Nodes()))
	res.DatagramsPerPayloadPerNode = float64(dg) / per
	res.BytesPerPayloadPerNode = float64(by) / per
	bounded := 0
	for _, n := range s.Nodes() {
		st := n.Svc.Stats()
		res.QueuePeak = max(res.QueuePeak, st.QueuePeak)
		bounded += st.MemoryBytes
	}
	res.BoundedBytesPerNode = bounded / len(s.Nodes())
}

func printTable(r Result) {
	rows := [][2]string{
		{"nodes", fmt.Sprint(r.Nodes)},
		{"loss", fmt.Sprintf("%.0f%%", r.Loss*100)},
		{"MaxMembers", fmt.Sprint(r.MaxMembers)},
		{"seed datagrams per join", fmt.Sprintf("%.1f", r.JoinSeedDatagramsPerJoin)},
		{"cluster datagrams per join", fmt.Sprintf("%.1f", r.JoinDatagramsPerJoin)},
		{"members known (min / median)", fmt.Sprintf("%d / %d", r.MembersKnownMin, r.MembersKnownMedian)},
		{"payloads complete", fmt.Sprintf("%d of %d (duplicates %d)", r.Complete, r.Payloads, r.Duplicates)},
		{"time to 50% (median)", r.P50Median},
		{"time to 99% (median)", r.P99Median},
		{"time to 100% (median / max)", fmt.Sprintf("%s / %s (%d / %d rounds)", r.P100Median, r.P100Max, r.P100MedianRounds, r.P100MaxRounds)},
		{"datagrams per payload per node", fmt.Sprintf("%.2f", r.DatagramsPerPayloadPerNode)},
		{"bytes per payload per node", fmt.Sprintf("%.0f", r.BytesPerPayloadPerNode)},
		{"outbound queue peak", fmt.Sprint(r.QueuePeak)},
		{"bounded structures per node", fmt.Sprintf("%d KiB", r.BoundedBytesPerNode/1024)},
		{"heap per node (whole simulator)", fmt.Sprintf("%d KiB", r.HeapBytesPerNode/1024)},
		{"wall time", fmt.Sprintf("%.1fs", r.WallSeconds)},
	}
	for _, row := range rows {
		fmt.Printf("%-34s %s\n", row[0], row[1])
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gossipsim:", err)
	os.Exit(1)
}
