package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
)

// runner executes scenario commands against one simulation.
type runner struct {
	t    testing.TB
	s    *Sim
	tick time.Duration
	// joinDatagrams counts the seed's datagrams during the join phase.
	batch int // index in Payloads of the first payload of the last send

	// For runner_keys_test.go: per-node settings that replace the
	// simulation's Keys when a node (re)starts, each node's member ids
	// (kept from its OnMember events with new track=1; nil otherwise, as
	// the events cost the largest scenarios a fifth of their time), and
	// background payloads: one every
	// traffic (0: none) while the simulation runs, the next at elapsed
	// time nextPayload.
	modes       map[int]sealMode
	tables      map[int]map[gossip.NodeID]bool
	traffic     time.Duration
	nextPayload time.Duration
	trafficSent int
}

type args map[string]string

func parseArgs(fields []string) (args, []string) {
	a := args{}
	var pos []string
	for _, f := range fields {
		if k, v, ok := strings.Cut(f, "="); ok {
			a[k] = v
		} else {
			pos = append(pos, f)
		}
	}
	return a, pos
}

func (a args) dur(k string, def time.Duration) time.Duration {
	if v, ok := a[k]; ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", k, v, err))
		}
		return d
	}
	return def
}

func (a args) int(k string, def int) int {
	if v, ok := a[k]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", k, v, err))
		}
		return n
	}
	return def
}

func (a args) float(k string, def float64) float64 {
	if v, ok := a[k]; ok {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", k, v, err))
		}
		if strings.HasSuffix(v, "%") {
			f /= 100
		}
		return f
	}
	return def
}

func (r *runner) exec(line string) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	fields := strings.Fields(line)
	a, pos := parseArgs(fields[1:])
	cmd, ok := commands[fields[0]]
	if !ok {
		return "", fmt.Errorf("unknown command %q", fields[0])
	}
	if fields[0] != "new" && r.s == nil {
		return "", fmt.Errorf("no simulation: start with new")
	}
	return cmd(r, a, pos)
}

var commands map[string]func(*runner, args, []string) (string, error)

func init() {
	commands = map[string]func(*runner, args, []string) (string, error){
		"new":        cmdNew,
		"join":       cmdJoin,
		"run":        cmdRun,
		"members":    cmdMembers,
		"send":       cmdSend,
		"deliveries": cmdDeliveries,
		"metrics":    cmdMetrics,
		"net":        cmdNet,
		"partition":  cmdPartition,
		"heal":       cmdHeal,
		"crash":      cmdCrash,
		"restart":    cmdRestart,
		"leave":      cmdLeave,
		"removed":    cmdRemoved,
		"known":      cmdKnown,
		"keys":       cmdKeys,
		"traffic":    cmdTraffic,
		"pause":      cmdPause,
		"resume":     cmdResume,
		"forgotten":  cmdForgotten,
		"rejoined":   cmdRejoined,
		"listed":     cmdListed,
		"stat":       cmdStat,
	}
}

// new nodes=N [seed=S] [latency=D] [jitter=D] [loss=P] [dup=P] [tick=D] [retry=D] [maxmembers=N] [datalog=B]
// [keys=K1,K2...] [tombstone=D] [track=1]
func cmdNew(r *runner, a args, _ []string) (string, error) {
	n := a.int("nodes", 3)
	r.tick = a.dur("tick", time.Second)
	retry := a.dur("retry", 10*time.Second)
	maxMembers := a.int("maxmembers", 1024)
	datalog := a.int("datalog", 64<<10)
	_, setTombstone := a["tombstone"]
	tombstone := a.dur("tombstone", 0)
	r.modes, r.traffic, r.trafficSent = map[int]sealMode{}, 0, 0
	r.tables = nil
	if a.int("track", 0) == 1 {
		r.tables = map[int]map[gossip.NodeID]bool{}
	}
	r.s = New(Options{
		Seed:      uint64(a.int("seed", 1)),
		Latency:   a.dur("latency", 2*time.Millisecond),
		Jitter:    a.dur("jitter", time.Millisecond),
		Loss:      a.float("loss", 0),
		Duplicate: a.float("dup", 0),
		Keys:      keyList(a["keys"]),
		Config: func(i int, c *gossip.Config) {
			c.TickInterval = r.tick
			c.RetryInterval = retry
			c.GapTimeout = time.Duration(c.RetryAttempts) * retry
			c.MaxMembers = maxMembers
			c.DataLogBytes = datalog
			if setTombstone {
				c.TombstonePeriod = tombstone
			}
			if m, ok := r.modes[i]; ok {
				m.apply(c)
			}
			if r.tables != nil {
				c.OnMember = r.tracker(i)
			}
		},
	})
	for range n {
		if _, err := r.s.AddNode(); err != nil {
			return "", err
		}
	}
	out := fmt.Sprintf("%d nodes, tick %v, retry %v", n, r.tick, retry)
	if k := a["keys"]; k != "" {
		out += ", keys " + k
	}
	if setTombstone {
		out += fmt.Sprintf(", tombstones %v", tombstone)
	}
	return out, nil
}

// join [every=D]: node 0 starts the cluster; the others join through it,
// one every D.
func cmdJoin(r *runner, a args, _ []string) (string, error) {
	every := a.dur("every", 50*time.Millisecond)
	s := r.s
	if err := s.Node(0).Join(); err != nil {
		return "", err
	}
	seedOut := s.Node(0).Svc.Stats().DatagramsOut
	before := s.Net().Sent
	for i := 1; i < len(s.Nodes()); i++ {
		if err := s.Node(i).Join(s.Node(0)); err != nil {
			return "", err
		}
		s.RunFor(every)
	}
	joins := float64(len(s.Nodes()) - 1)
	seedPer := float64(s.Node(0).Svc.Stats().DatagramsOut-seedOut) / joins
	allPer := float64(s.Net().Sent-before) / joins
	return fmt.Sprintf("%d joins through node 0: seed sent %.1f datagrams per join, the cluster %.1f (%.2f per node)",
		int(joins), seedPer, allPer, allPer/float64(len(s.Nodes()))), nil
}

// run D
func cmdRun(r *runner, _ args, pos []string) (string, error) {
	d, err := time.ParseDuration(pos[0])
	if err != nil {
		return "", err
	}
	r.advance(d)
	return fmt.Sprintf("t=%v", r.s.Elapsed().Round(time.Millisecond)), nil
}

func (r *runner) live() []*Node {
	var l []*Node
	for _, n := range r.s.Nodes() {
		if n.Up {
			l = append(l, n)
		}
	}
	return l
}

// members: does every live node know every other live node?
func cmdMembers(r *runner, _ args, _ []string) (string, error) {
	live := r.live()
	ids := map[gossip.NodeID]bool{}
	for _, n := range live {
		ids[n.ID()] = true
	}
	incomplete, stale := 0, 0
	minK := len(live)
	for _, n := range live {
		k := 0
		for _, m := range n.Svc.Members() {
			if ids[m.ID] {
				k++
			} else {
				stale++
			}
		}
		minK = min(minK, k)
		if k < len(live)-1 {
			incomplete++
		}
	}
	if incomplete == 0 && stale == 0 {
		return fmt.Sprintf("all %d live nodes know the other %d", len(live), len(live)-1), nil
	}
	return fmt.Sprintf("%d of %d live nodes incomplete (fewest known: %d of %d); %d entries for nodes that are gone",
		incomplete, len(live), minK, len(live)-1, stale), nil
}

// send count=N [every=D] [size=B]: payloads from random live nodes.
func cmdSend(r *runner, a args, _ []string) (string, error) {
	count := a.int("count", 1)
	every := a.dur("every", 10*time.Millisecond)
	size := a.int("size", 32)
	from := a.int("from", -1)
	s := r.s
	s.ResetCost()
	r.batch = len(s.Payloads())
	for k := range count {
		live := r.live()
		n := live[s.rng.IntN(len(live))]
		if from >= 0 {
			n = s.Node(from)
		}
		p := []byte(fmt.Sprintf("payload %d from node %d ", len(s.Payloads())+1, n.Index))
		for len(p) < size {
			p = append(p, '.')
		}
		if err := n.Publish(p[:size]); err != nil {
			return "", err
		}
		if k < count-1 {
			s.RunFor(every)
		}
	}
	return fmt.Sprintf("%d payloads sent, %d in all", count, len(s.Payloads())), nil
}

// deliveries: has every payload reached every live node exactly once?
func cmdDeliveries(r *runner, _ args, _ []string) (string, error) {
	s := r.s
	complete := 0
	var missing []string
	for _, p := range s.Payloads() {
		got, want := s.Reach(p)
		if got == want {
			complete++
		} else if len(missing) < 5 {
			missing = append(missing, fmt.Sprintf("payload %d/%d: %d of %d", p.From, p.Seq, got, want))
		}
	}
	_, _, dups := s.Cost()
	out := fmt.Sprintf("%d of %d payloads reached every live node; duplicate deliveries %d", complete, len(s.Payloads()), dups)
	if len(missing) > 0 {
		out += "\nincomplete: " + strings.Join(missing, ", ")
	}
	return out, nil
}

// metrics: how fast and at what cost the last batch of payloads spread.
// The cost counts every datagram since the batch began, idle rounds and
// membership traffic included.
func cmdMetrics(r *runner, _ args, _ []string) (string, error) {
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

// net [loss=P] [latency=D] [jitter=D] [dup=P]: change the network.
func cmdNet(r *runner, a args, _ []string) (string, error) {
	s := r.s
	s.SetLoss(a.float("loss", s.opt.Loss))
	s.SetDuplicate(a.float("dup", s.opt.Duplicate))
	s.SetLatency(a.dur("latency", s.opt.Latency), a.dur("jitter", s.opt.Jitter))
	return fmt.Sprintf("loss %.0f%%, duplicate %.0f%%, latency %v + [0, %v)", s.opt.Loss*100, s.opt.Duplicate*100, s.opt.Latency, s.opt.Jitter), nil
}

// partition at=K: nodes below K on one side, the rest on the other.
func cmdPartition(r *runner, a args, _ []string) (string, error) {
	k := a.int("at", len(r.s.Nodes())/2)
	g := make([]int, len(r.s.Nodes()))
	for i := k; i < len(g); i++ {
		g[i] = 1
	}
	r.s.Partition(g)
	return fmt.Sprintf("partitioned: nodes 0..%d | %d..%d", k-1, k, len(g)-1), nil
}

func cmdHeal(r *runner, _ args, _ []string) (string, error) {
	r.s.Heal()
	return "healed", nil
}

func nodeArg(r *runner, pos []string) (*Node, error) {
	i, err := strconv.Atoi(pos[0])
	if err != nil || i < 0 || i >= len(r.s.Nodes()) {
		return nil, fmt.Errorf("bad node %q", pos[0])
	}
	return r.s.Node(i), nil
}

func cmdCrash(r *runner, _ args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	n.Crash()
	return fmt.Sprintf("node %d crashed", n.Index), nil
}

func cmdLeave(r *runner, _ args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	if err := n.Leave(); err != nil {
		return "", err
	}
	return fmt.Sprintf("node %d left", n.Index), nil
}

// restart N [via=M]: a new service (new id) at node N's address joins
// through node M (default 0).
func cmdRestart(r *runner, a args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	via := r.s.Node(a.int("via", 0))
	if err := n.Restart(via); err != nil {
		return "", err
	}
	return fmt.Sprintf("node %d restarted as a new member, joining through node %d", n.Index, via.Index), nil
}

// removed N within=D: run until no live node lists any of node N's past
// ids, and say how long that took.
func cmdRemoved(r *runner, a args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	start := r.s.Elapsed()
	gone := func() bool {
		for _, o := range r.live() {
			for _, m := range o.Svc.Members() {
				if slices.Contains(n.PastIDs, m.ID) {
					return false
				}
			}
		}
		return true
	}
	if !r.s.RunUntil(gone, a.dur("within", time.Minute)) {
		return fmt.Sprintf("node %d still listed after %v", n.Index, a.dur("within", time.Minute)), nil
	}
	return fmt.Sprintf("node %d's old id removed from every live member table after %v", n.Index, (r.s.Elapsed() - start).Round(time.Millisecond)), nil
}

// known N within=D: run until every other live node lists node N's
// current id.
func cmdKnown(r *runner, a args, pos []string) (string, error) {
	n, err := nodeArg(r, pos)
	if err != nil {
		return "", err
	}
	start := r.s.Elapsed()
	known := func() bool {
		for _, o := range r.live() {
			if o == n {
				continue
			}
			found := false
			for _, m := range o.Svc.Members() {
				if m.ID == n.ID() {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	if !r.s.RunUntil(known, a.dur("within", time.Minute)) {
		return fmt.Sprintf("node %d not known everywhere after %v", n.Index, a.dur("within", time.Minute)), nil
	}
	return fmt.Sprintf("node %d known to every live node after %v", n.Index, (r.s.Elapsed() - start).Round(time.Millisecond)), nil
}
