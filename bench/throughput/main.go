//go:build linux

// Command throughput measures how many datagrams per second one service
// sustains on one core, against a raw-socket baseline on the same machine.
//
// Usage:
//
//	go run ./bench/throughput
//
// A flooder process (pinned to the second CPU) plays four members that
// join the measured process and then send it Data as fast as it
// acknowledges them, at most -window unacknowledged; it acknowledges every
// Data the measured process forwards to it. The measured process (pinned
// to the first CPU, GOMAXPROCS=1) is either
//
//   - one GossipService on the default UDP transport, driven by the
//     documented loop (Tick, poll, Receive, Send), which acknowledges each
//     Data, delivers it, forwards it to the three other members and
//     handles their acknowledgements; or
//   - the raw baseline: a plain loop of recvmmsg and sendmmsg on one
//     socket that answers each Data with a datagram of an Ack's size and
//     sends the Data's own bytes on to the three other members, and does
//     nothing else; or
//   - the same loop with the kernel's UDP offloads, which the service's
//     transport uses too where the kernel has them: receive offload
//     (UDP_GRO) and segmentation (UDP_SEGMENT) of what goes to one member,
//     so that the service is compared with the best the socket does as
//     well as with plain batching.
//
// Both see the same traffic: per payload, 4 datagrams in (a Data, 3 Acks)
// and 4 out (an Ack, 3 Data) of the same sizes. The program runs the two
// in turn -runs times and prints the medians: datagrams received plus sent
// per second, how busy the measured core was, datagrams per second of CPU
// time (the figure that does not depend on whether the flooder kept up),
// and the ratio of service to baseline. The flooder is one core doing as
// much kernel work per payload as the measured side, so the baseline may
// be limited by it: the CPU-time figure shows that.
//
// Flags: -duration (each measurement, 3s), -warmup (1s), -runs (3),
// -payload (bytes, 64), -window (payloads in flight, 256), -queue (the
// service's MaxOutboundMessages, 1024), -json, -cpuprofile FILE (of the
// service's measurements).
//
// The machine's load changes every figure: the output states it, and the
// ratio of service to baseline, measured in alternation, is the figure to
// compare between machines.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// members is how many members the flooder plays: each Data goes to three
// others, RumorFactor's default.
const members = 4

// result is what a measured process reports for one measurement.
type result struct {
	Mode       string
	In, Out    uint64  // datagrams read and written
	Payloads   uint64  // Data handled (delivered, for the service)
	Seconds    float64 // wall time
	CPUSeconds float64 // user + system time of the whole process
	Mallocs    uint64  // heap allocations in the process during it
}

func (r result) rate() float64    { return float64(r.In+r.Out) / r.Seconds }
func (r result) busy() float64    { return r.CPUSeconds / r.Seconds }
func (r result) perCore() float64 { return float64(r.In+r.Out) / r.CPUSeconds }

// floodResult is what the flooder reports.
type floodResult struct {
	Sent, Acks, Forwards uint64
	Resets               uint64 // times the window was reopened after 50 ms without an Ack
	CPUSeconds           float64
}

type options struct {
	duration, warmup time.Duration
	runs             int
	payload, window  int
	queue            int
	cpuprofile       string
}

func main() {
	role := flag.String("role", "", "internal: measure-service, measure-raw or flood")
	target := flag.String("target", "", "internal: the measured address, for the flooder")
	var o options
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of each measurement")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "flooding before each measurement starts")
	flag.IntVar(&o.runs, "runs", 3, "measurements of each side")
	flag.IntVar(&o.payload, "payload", 64, "Data payload bytes")
	flag.IntVar(&o.window, "window", 256, "payloads the flooder keeps unacknowledged at most")
	flag.IntVar(&o.queue, "queue", 1024, "the service's MaxOutboundMessages")
	asJSON := flag.Bool("json", false, "JSON output")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured service's measurements to this file")
	flag.Parse()

	switch *role {
	case "measure-service":
		report(measureService(o))
		return
	case "measure-raw":
		report(measureRaw(o))
		return
	case "measure-raw-offload":
		report(measureOffload(o))
		return
	case "flood":
		r, err := flood(o, *target)
		if err != nil {
			fail(err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}

	load := loadAverage()
	modes := []string{"service", "raw", "raw-offload"}
	runs := map[string][]result{}
	var floods []floodResult
	for i := range o.runs {
		for _, mode := range modes {
			r, f, err := run(o, mode)
			if err != nil {
				fail(fmt.Errorf("run %d, %s: %w", i+1, mode, err))
			}
			runs[mode] = append(runs[mode], r)
			floods = append(floods, f)
		}
	}
	s, b, bo := median(runs["service"]), median(runs["raw"]), median(runs["raw-offload"])
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"runs": runs, "flood": floods, "load": load, "cpus": runtime.NumCPU()})
		return
	}
	fmt.Printf("one service on one core against a flood of Data from another process\n")
	fmt.Printf("machine: %d CPUs, load average %s before the run; measured process on CPU 0 (GOMAXPROCS=1), flooder on CPU 1\n", runtime.NumCPU(), load)
	fmt.Printf("payload %d B (Data %d B, Ack 12 B), %d members, window %d, queue %d; %v per measurement after %v, median of %d\n\n",
		o.payload, o.payload+22, members, o.window, o.queue, o.duration, o.warmup, o.runs)
	fmt.Printf("%-14s %13s %11s %11s %12s %6s %18s %8s\n", "", "datagrams/s", "in/s", "out/s", "payloads/s", "busy", "datagrams/CPU-s", "allocs")
	names := map[string]string{"service": "service", "raw": "raw mmsg", "raw-offload": "raw offload"}
	for _, r := range []result{s, b, bo} {
		name := names[r.Mode]
		fmt.Printf("%-14s %13s %11s %11s %12s %5.0f%% %18s %8.3f\n", name, thousands(r.rate()), thousands(float64(r.In)/r.Seconds),
			thousands(float64(r.Out)/r.Seconds), thousands(float64(r.Payloads)/r.Seconds), 100*r.busy(), thousands(r.perCore()),
			float64(r.Mallocs)/float64(r.In+r.Out))
	}
	fmt.Printf("\nservice / raw mmsg:    %.2f of the datagrams per second, %.2f per CPU-second\n", s.rate()/b.rate(), s.perCore()/b.perCore())
	fmt.Printf("service / raw offload: %.2f of the datagrams per second, %.2f per CPU-second\n", s.rate()/bo.rate(), s.perCore()/bo.perCore())
	var resets uint64
	for _, f := range floods {
		resets += f.Resets
	}
	fmt.Printf("flooder: %d window resets (lost datagrams) over all runs; allocs are per datagram, whole measured process\n", resets)
	fmt.Printf("each run, datagrams/s: service %s; raw mmsg %s; raw offload %s\n", rates(runs["service"]), rates(runs["raw"]), rates(runs["raw-offload"]))
}

// run measures one side once: it starts the measured process on CPU 0
// and the flooder on CPU 1, lets the members join, floods, and collects
// both reports.
func run(o options, mode string) (result, floodResult, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, floodResult{}, err
	}
	args := []string{"-duration", o.duration.String(), "-warmup", o.warmup.String(), "-payload", fmt.Sprint(o.payload),
		"-window", fmt.Sprint(o.window), "-queue", fmt.Sprint(o.queue)}
	if o.cpuprofile != "" && mode == "service" {
		args = append(args, "-cpuprofile", o.cpuprofile)
	}

	m := exec.Command(self, append([]string{"-role", "measure-" + mode}, args...)...)
	m.Env = append(os.Environ(), "GOMAXPROCS=1")
	m.Stderr = os.Stderr
	mIn, _ := m.StdinPipe()
	mOut, _ := m.StdoutPipe()
	if err := startOn(m, 0); err != nil {
		return result{}, floodResult{}, err
	}
	defer m.Process.Kill()
	lines := bufio.NewScanner(mOut)
	addr, err := expect(lines, "addr ")
	if err != nil {
		return result{}, floodResult{}, err
	}

	f := exec.Command(self, append([]string{"-role", "flood", "-target", addr}, args...)...)
	f.Env = append(os.Environ(), "GOMAXPROCS=1")
	f.Stderr = os.Stderr
	fIn, _ := f.StdinPipe()
	fOut, _ := f.StdoutPipe()
	if err := startOn(f, 1); err != nil {
		return result{}, floodResult{}, err
	}
	defer f.Process.Kill()

	if _, err := expect(lines, "joined"); err != nil {
		return result{}, floodResult{}, err
	}
	fmt.Fprintln(fIn, "go")
	fmt.Fprintln(mIn, "go") // the measured process warms up, then measures
	js, err := expect(lines, "result ")
	if err != nil {
		return result{}, floodResult{}, err
	}
	var r result
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		return result{}, floodResult{}, err
	}
	fIn.Close()
	var fr floodResult
	if err := json.NewDecoder(fOut).Decode(&fr); err != nil {
		return result{}, floodResult{}, fmt.Errorf("flooder: %w", err)
	}
	mIn.Close()
	_ = f.Wait()
	_ = m.Wait()
	return r, fr, nil
}

// startOn starts cmd pinned to cpu: a child inherits the CPU mask of the
// thread that forks it, so this thread takes that mask for the fork and
// gives it back after. With one CPU nothing is pinned.
func startOn(cmd *exec.Cmd, cpu int) error {
	if runtime.NumCPU() < 2 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return cmd.Start()
	}
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return cmd.Start()
	}
	err := cmd.Start()
	_ = unix.SchedSetaffinity(0, &old)
	return err
}

// expect reads lines until one starts with prefix, and returns the rest.
func expect(lines *bufio.Scanner, prefix string) (string, error) {
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), prefix); ok {
			return rest, nil
		}
	}
	if err := lines.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("measured process ended before %q", strings.TrimSpace(prefix))
}

// report prints a measured process's result for the parent.
func report(r result, err error) {
	if err != nil {
		fail(err)
	}
	b, _ := json.Marshal(r)
	fmt.Printf("result %s\n", b)
}

// waitForGo returns a function that reports whether a line arrived on
// stdin: the parent's signal to start measuring.
func waitForGo() func() bool {
	got := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		close(got)
	}()
	return func() bool {
		select {
		case <-got:
			return true
		default:
			return false
		}
	}
}

// meter takes the process's counters at the start and end of a
// measurement.
type meter struct {
	t   time.Time
	cpu float64
	mal uint64
}

func measure() meter {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	return meter{t: time.Now(), cpu: cpu, mal: ms.Mallocs}
}

func (m meter) into(r *result, end meter) {
	r.Seconds = end.t.Sub(m.t).Seconds()
	r.CPUSeconds = end.cpu - m.cpu
	r.Mallocs = end.mal - m.mal
}

func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int {
		switch {
		case a.rate() < b.rate():
			return -1
		case a.rate() > b.rate():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func rates(rs []result) string {
	var f []string
	for _, r := range rs {
		f = append(f, thousands(r.rate()))
	}
	return strings.Join(f, ", ")
}

// thousands formats v rounded, with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// millis converts a wait to poll's milliseconds, rounding up.
func millis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

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
	fmt.Fprintln(os.Stderr, "throughput:", err)
	os.Exit(1)
}
