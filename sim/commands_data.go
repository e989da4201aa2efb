package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tickgossip/gossip"
)

// payload is a script's payload: its text, padded to size.
func payload(size int, format string, args ...any) []byte {
	p := fmt.Appendf(nil, format, args...)
	for len(p) < size {
		p = append(p, '.')
	}
	return p[:size]
}

// send: payloads from random live nodes (or node from), one every D.
func cmdSend(r *runner, a *args) (string, error) {
	count := a.int("count", 1)
	every := a.dur("every", 10*time.Millisecond)
	size := a.int("size", 32)
	s := r.s
	var from *Node
	if a.has("from") {
		n, err := r.node(a.int("from", 0))
		if err != nil {
			return "", fmt.Errorf("send: from=: %v", err)
		}
		from = n
	}
	s.ResetCost()
	r.batch = len(s.Payloads())
	for k := range count {
		n := from
		if n == nil {
			live := r.live()
			if len(live) == 0 {
				return "", fmt.Errorf("send: no live node")
			}
			n = live[s.rng.IntN(len(live))]
		}
		if err := n.Publish(payload(size, "payload %d from node %d ", len(s.Payloads())+1, n.Index)); err != nil {
			return "", fmt.Errorf("send: node %d: %w", n.Index, err)
		}
		if k < count-1 {
			s.RunFor(every)
		}
	}
	return fmt.Sprintf("%d payloads sent, %d in all", count, len(s.Payloads())), nil
}

// traffic every=D: while the simulation runs, whichever command runs it,
// a 32-byte payload every D from a random connected node.
func cmdTraffic(r *runner, a *args) (string, error) {
	every := a.dur("every", 0)
	if every <= 0 {
		return "", fmt.Errorf("traffic: every= must be more than 0")
	}
	r.trafficGen++
	gen := r.trafficGen
	var next func()
	next = func() {
		if gen != r.trafficGen {
			return
		}
		r.publishTraffic()
		r.s.After(every, next)
	}
	r.s.After(every, next)
	return fmt.Sprintf("a payload every %v from a random connected node", every), nil
}

func (r *runner) publishTraffic() {
	var ready []*Node
	for _, n := range r.live() {
		if !n.Paused() && n.Svc.State() == gossip.Connected {
			ready = append(ready, n)
		}
	}
	if len(ready) == 0 {
		return
	}
	n := ready[r.s.rng.IntN(len(ready))]
	if err := n.Publish(payload(32, "traffic %d from node %d ", r.trafficSent+1, n.Index)); err != nil {
		// A connected, running node's SendData with a 32-byte payload
		// fails only if the library is broken.
		panic(fmt.Sprintf("sim: traffic: node %d: %v", n.Index, err))
	}
	r.trafficSent++
}

func cmdTrafficOff(r *runner, _ *args) (string, error) {
	r.trafficGen++
	return fmt.Sprintf("traffic off: %d payloads sent", r.trafficSent), nil
}

// deliveries: has every payload reached every live node exactly once?
func cmdDeliveries(r *runner, _ *args) (string, error) {
	complete, total, missing, dups := r.deliveryReport(5)
	out := fmt.Sprintf("%d of %d payloads reached every live node; duplicate deliveries %d", complete, total, dups)
	if len(missing) > 0 {
		out += "\nincomplete: " + strings.Join(missing, ", ")
	}
	return out, nil
}

// deliveryReport counts the payloads that reached every live node, and
// describes the first few that did not.
func (r *runner) deliveryReport(limit int) (complete, total int, missing []string, dups uint64) {
	s := r.s
	for _, p := range s.Payloads() {
		got, want := s.Reach(p)
		if got == want {
			complete++
		} else if len(missing) < limit {
			missing = append(missing, fmt.Sprintf("payload %d/%d: %d of %d", p.From, p.Seq, got, want))
		}
	}
	_, _, dups = s.Cost()
	return complete, len(s.Payloads()), missing, dups
}

// metrics: how fast and at what cost the last batch of payloads spread.
// The cost counts every datagram since the batch began, idle rounds and
// membership traffic included.
func cmdMetrics(r *runner, _ *args) (string, error) {
	s := r.s
	ps := s.Payloads()[r.batch:]
	if len(ps) == 0 {
		return "no payloads", nil
	}
	var lines []string
	for _, q := range []float64{0.5, 0.99, 1} {
		var ts []time.Duration
		for _, p := range ps {
			if d, ok := s.Quantile(p, q); ok {
				ts = append(ts, d)
			}
		}
		if len(ts) == 0 {
			lines = append(lines, fmt.Sprintf("%3.0f%% of live nodes: never", q*100))
			continue
		}
		slices.Sort(ts)
		med, worst := ts[len(ts)/2], ts[len(ts)-1]
		lines = append(lines, fmt.Sprintf("%3.0f%% of live nodes: median %v (%d rounds), max %v (%d rounds), %d of %d payloads",
			q*100, med.Round(100*time.Microsecond), rounds(med, r.tick), worst.Round(100*time.Microsecond), rounds(worst, r.tick), len(ts), len(ps)))
	}
	dg, by, _ := s.Cost()
	nodes := float64(len(r.live()))
	lines = append(lines, fmt.Sprintf("per payload per node: %.2f datagrams, %.0f bytes", float64(dg)/float64(len(ps))/nodes, float64(by)/float64(len(ps))/nodes))
	peak, mem := 0, 0
	for _, n := range r.live() {
		st := n.Svc.Stats()
		peak = max(peak, st.QueuePeak)
		mem += st.MemoryBytes
	}
	lines = append(lines, fmt.Sprintf("outbound queue peak: %d envelopes; memory per node: %d KiB", peak, mem/int(nodes)/1024))
	return strings.Join(lines, "\n"), nil
}

func rounds(d, tick time.Duration) int { return int((d + tick - 1) / tick) }
