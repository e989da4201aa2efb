package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// flight follows one payload from SendData until every node has it.
type flight struct {
	num       int    // 1, 2, ...
	origin    int    // the sending node's index
	text      []byte // the payload
	sent      time.Time
	out0      uint64          // the cluster's DatagramsOut before the send
	at        []time.Duration // per node: send to OnData; the origin's is 0
	got       []bool
	reached   int    // nodes that have it, the origin included
	datagrams uint64 // DatagramsOut spent until the cluster was quiet again
}

// send spreads payload num from node origin and starts following it.
func (c *cluster) send(num, origin int) (*flight, error) {
	n := len(c.svcs)
	f := &flight{
		num:    num,
		origin: origin,
		text:   fmt.Appendf(nil, "payload %d from n%d", num, origin),
		out0:   c.datagramsOut(),
		at:     make([]time.Duration, n),
		got:    make([]bool, n),
	}
	f.got[origin], f.reached = true, 1
	c.cur = f
	f.sent = time.Now()
	if err := c.svcs[origin].SendData(f.text); err != nil {
		return nil, fmt.Errorf("n%d: %w", origin, err)
	}
	c.log.Info().Int("payload", num).Str("origin", fmt.Sprintf("n%d", origin)).
		Int("members", c.svcs[origin].NumMembers()).Msg("sent")
	return f, nil
}

// delivered records that node i's OnData got payload at now, and prints
// it as it happens.
func (c *cluster) delivered(i int, payload []byte, now time.Time) {
	f := c.cur
	if f == nil || string(payload) != string(f.text) || f.got[i] {
		c.log.Warn().Int("n", i).Bytes("payload", payload).Msg("unexpected payload")
		return
	}
	f.got[i], f.at[i] = true, now.Sub(f.sent)
	f.reached++
	c.log.Info().Int("payload", f.num).Str("n", fmt.Sprintf("n%d", i)).
		Dur("after_ms", f.at[i]).
		Str("reached", fmt.Sprintf("%d/%d", f.reached, len(f.got))).
		Msg("delivered")
}

// complete reports whether every node has the payload.
func (f *flight) complete() bool { return f.reached == len(f.got) }

// until returns how long it took for the fraction q of all nodes (the
// origin counts, at 0) to have the payload. Call it once complete.
func (f *flight) until(q float64) time.Duration {
	t := slices.Clone(f.at)
	slices.Sort(t)
	k := max(1, int(math.Ceil(q*float64(len(t)))))
	return t[k-1]
}

// missing names the nodes that do not have the payload.
func (f *flight) missing() string {
	var s []string
	for i, ok := range f.got {
		if !ok {
			s = append(s, fmt.Sprintf("n%d", i))
		}
	}
	return strings.Join(s, " ")
}

// perNode is the datagrams the payload cost per node.
func (f *flight) perNode() float64 { return float64(f.datagrams) / float64(len(f.got)) }
