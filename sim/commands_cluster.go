package sim

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/tickgossip/gossip"
)

// new: a new simulation. Only the settings given change the library's
// defaults (retry also sets GapTimeout to RetryAttempts x retry, as the
// data log's gap must outlast a sender's retries), so a script follows
// the library when its defaults change.
func cmdNew(r *runner, a *args) (string, error) {
	def := gossip.DefaultConfig()
	n := a.int("nodes", 3)
	r.tick = a.dur("tick", def.TickInterval)
	retry := a.dur("retry", def.RetryInterval)
	seed := a.seed("seed", 1)
	if r.opt.Seed != 0 {
		seed = r.opt.Seed
	}
	r.modes, r.sets, r.window = map[int]sealMode{}, map[string][]int{}, 0
	r.allowed, r.allowedBy = map[int]bool{}, map[int]bool{}
	r.batch, r.trafficSent, r.pausesDone = 0, 0, 0
	r.trafficGen++
	r.pausesGen++
	var keys [][]byte
	if v := a.word("keys", ""); v != "" {
		keys = keyList(v)
	}
	cfgKeys := sortedKeys(a.pre)
	r.s = New(Options{
		Seed:         seed,
		Latency:      a.dur("latency", 2*time.Millisecond),
		Jitter:       a.dur("jitter", time.Millisecond),
		Loss:         a.prob("loss", 0),
		Duplicate:    a.prob("dup", 0),
		Keys:         keys,
		TrackMembers: a.flag("track", true),
		Config: func(i int, c *gossip.Config) {
			c.TickInterval = r.tick
			if a.has("retry") {
				c.RetryInterval = retry
				c.GapTimeout = time.Duration(c.RetryAttempts) * retry
			}
			if a.has("maxmembers") {
				c.MaxMembers = a.int("maxmembers", 0)
			}
			if a.has("datalog") {
				c.DataLogBytes = a.int("datalog", 0)
			}
			if a.has("tombstone") {
				c.TombstonePeriod = a.dur("tombstone", 0)
			}
			for _, k := range cfgKeys {
				setConfigField(c, k, a.pre[k])
			}
			if m, ok := r.modes[i]; ok {
				m.apply(c)
			}
			if r.opt.Config != nil {
				r.opt.Config(i, c)
			}
		},
	})
	for range n {
		if _, err := r.s.AddNode(); err != nil {
			return "", err
		}
	}
	out := fmt.Sprintf("%d nodes, tick %v, retry %v", n, r.tick, retry)
	if k := a.word("keys", ""); k != "" {
		out += ", keys " + k
	}
	if a.has("tombstone") {
		out += fmt.Sprintf(", tombstones %v", a.dur("tombstone", 0))
	}
	for _, k := range cfgKeys {
		out += fmt.Sprintf(", %s %s", k, a.pre[k])
	}
	if !r.s.Tracking() {
		out += ", member tables not tracked"
	}
	return out, nil
}

// configField finds an exported gossip.Config field that a script can
// set: a duration, an integer, a float or a bool.
func configField(name string) (reflect.StructField, error) {
	f, ok := reflect.TypeFor[gossip.Config]().FieldByName(name)
	if !ok || !f.IsExported() {
		return f, fmt.Errorf("gossip.Config has no field %s", name)
	}
	switch f.Type.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return f, nil
	}
	return f, fmt.Errorf("gossip.Config.%s is a %v, which a script cannot set", name, f.Type)
}

func checkConfigField(name, value string) error {
	f, err := configField(name)
	if err != nil {
		return err
	}
	_, err = configValue(f.Type, value)
	return err
}

func configValue(t reflect.Type, v string) (reflect.Value, error) {
	out := reflect.New(t).Elem()
	switch {
	case t == reflect.TypeFor[time.Duration]():
		d, err := parseDur(v)
		if err != nil {
			return out, err
		}
		out.SetInt(int64(d))
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return out, fmt.Errorf("want 0 or 1")
		}
		out.SetBool(b)
	case out.CanInt():
		n, err := strconv.ParseInt(v, 10, t.Bits())
		if err != nil {
			return out, fmt.Errorf("want an integer")
		}
		out.SetInt(n)
	case out.CanUint():
		n, err := strconv.ParseUint(v, 10, t.Bits())
		if err != nil {
			return out, fmt.Errorf("want an unsigned integer")
		}
		out.SetUint(n)
	default:
		f, err := strconv.ParseFloat(v, t.Bits())
		if err != nil {
			return out, fmt.Errorf("want a number")
		}
		out.SetFloat(f)
	}
	return out, nil
}

// setConfigField sets a field checkConfigField accepted.
func setConfigField(c *gossip.Config, name, value string) {
	f, _ := configField(name)
	v, err := configValue(f.Type, value)
	if err != nil {
		panic(fmt.Sprintf("sim: cfg.%s=%s passed its check: %v", name, value, err))
	}
	reflect.ValueOf(c).Elem().FieldByIndex(f.Index).Set(v)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// join: node 0 starts the cluster; the others join through it, one every
// D.
func cmdJoin(r *runner, a *args) (string, error) {
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

func cmdRun(r *runner, a *args) (string, error) {
	d, err := parseDur(a.pos[0])
	if err != nil {
		return "", fmt.Errorf("run %s: %v", a.pos[0], err)
	}
	r.s.RunFor(d)
	return fmt.Sprintf("t=%v", ms(r.s.Elapsed())), nil
}

// node returns node i, or an error naming the nodes there are.
func (r *runner) node(i int) (*Node, error) {
	if i < 0 || i >= len(r.s.Nodes()) {
		return nil, fmt.Errorf("no node %d: there are nodes 0-%d", i, len(r.s.Nodes())-1)
	}
	return r.s.Node(i), nil
}

// oneNode parses a positional node index.
func (r *runner) oneNode(cmd, v string) (*Node, error) {
	i, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("%s: want a node index, got %q", cmd, v)
	}
	n, err := r.node(i)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	return n, nil
}

// posNodes resolves a positional selector.
func (r *runner) posNodes(cmd, v string) ([]int, error) {
	sel, err := parseSelector(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	idx, err := r.resolve(sel)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cmd, err)
	}
	return idx, nil
}
