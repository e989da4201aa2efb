package sim

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/tickgossip/gossip"
)

// statField reads a counter of Stats by its path: MembersFailed,
// Sealing.Opened, or a method such as Dropped.Total.
func statField(st gossip.Stats, path string) (uint64, error) {
	v := reflect.ValueOf(st)
	for _, part := range strings.Split(path, ".") {
		if m := v.MethodByName(part); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
			v = m.Call(nil)[0]
		} else if v.Kind() != reflect.Struct {
			return 0, fmt.Errorf("no field %q in gossip.Stats", path)
		} else if v = v.FieldByName(part); !v.IsValid() {
			return 0, fmt.Errorf("no field %q in gossip.Stats", path)
		}
	}
	switch {
	case v.CanUint():
		return v.Uint(), nil
	case v.CanInt():
		return uint64(v.Int()), nil
	}
	return 0, fmt.Errorf("gossip.Stats.%s is not a counter", path)
}

// statSum adds a counter over the live services (and with all, over the
// services that stopped too), and says over how many.
func (r *runner) statSum(path string, all bool) (sum uint64, services int, err error) {
	for _, n := range r.s.Nodes() {
		var sts []gossip.Stats
		if n.Up {
			sts = append(sts, n.Svc.Stats())
		}
		if all {
			sts = append(sts, n.PastStats...)
		}
		for _, st := range sts {
			v, err := statField(st, path)
			if err != nil {
				return 0, 0, err
			}
			sum += v
			services++
		}
	}
	return sum, services, nil
}

// stat [all=1] FIELD...: the sum of Stats fields over the live services,
// and with all=1 over the stopped ones too.
func cmdStat(r *runner, a *args) (string, error) {
	var parts []string
	services := 0
	for _, f := range a.pos {
		sum, k, err := r.statSum(f, a.flag("all", false))
		if err != nil {
			return "", fmt.Errorf("stat: %v", err)
		}
		services = k
		parts = append(parts, fmt.Sprintf("%s %d", f, sum))
	}
	return fmt.Sprintf("over %d services: %s", services, strings.Join(parts, ", ")), nil
}
