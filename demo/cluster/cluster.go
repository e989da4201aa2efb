package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/demo/internal/democli"
)

// turnCap bounds one turn's poll so that deadlines are checked often.
const turnCap = 50 * time.Millisecond

// cluster is N services in one process, driven by one poll loop on this
// goroutine. Node 0 is the seed.
type cluster struct {
	log  zerolog.Logger
	svcs []*gossip.GossipService
	wait *democli.Waiter
	cur  *flight // the payload being spread, nil between payloads
}

// newCluster creates o.nodes services on free loopback ports. The
// library logs through log only with -log-level debug: its per-node state
// lines would drown the demo's own.
func newCluster(o options, log zerolog.Logger) (*cluster, error) {
	c := &cluster{log: log}
	libLog := log.Level(max(o.Level, zerolog.WarnLevel))
	if o.Level <= zerolog.DebugLevel {
		libLog = log
	}
	for i := range o.nodes {
		cfg := gossip.DefaultConfig() // /ip4/127.0.0.1/udp/0
		cfg.TickInterval = o.tick
		cfg.RetryInterval = o.retry
		cfg.RumorFactor = o.fanout
		cfg.Logger = libLog
		if o.key != nil {
			cfg.Keys = [][]byte{o.key}
		}
		cfg.OnData = func(_ gossip.NodeID, _ uint32, payload []byte) {
			c.delivered(i, payload, time.Now())
		}
		svc, err := gossip.New(cfg)
		if err != nil {
			c.close()
			if errors.Is(err, gossip.ErrInvalidConfig) { // durations are checked: it is -fanout
				return nil, democli.BadInputf("-fanout %d: %v", o.fanout, err)
			}
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		c.svcs = append(c.svcs, svc)
		log.Debug().Int("n", i).Stringer("node", svc.ID()).Stringer("addr", svc.Addr()).Msg("node created")
	}
	c.wait = democli.NewWaiter(c.svcs...)
	return c, nil
}

// join makes node 0 a new cluster and has every other node join it.
func (c *cluster) join() error {
	if err := c.svcs[0].Join(); err != nil {
		return err
	}
	for _, s := range c.svcs[1:] {
		if err := s.Join(c.svcs[0].Addr()); err != nil {
			return err
		}
	}
	return nil
}

// close closes every service, and prints each one's Stats at debug.
func (c *cluster) close() {
	for i, s := range c.svcs {
		if s.Close() == nil {
			democli.StatsFields(c.log.Debug().Str("n", fmt.Sprintf("n%d", i)), s.Stats()).
				Int("members", s.NumMembers()).Msg("stats")
		}
	}
}

// turn is one turn of the documented loop over every service: Tick each
// (the poll waits for the earliest), one poll on all FDs (see
// democli.Waiter for systems without poll), then
// Receive and Send on each.
func (c *cluster) turn(limit time.Duration) error {
	wait := limit
	for _, s := range c.svcs {
		wait = min(wait, s.Tick())
	}
	if err := c.wait.Wait(wait); err != nil {
		return err
	}
	for i, s := range c.svcs {
		if _, err := s.Receive(); err != nil {
			return fmt.Errorf("n%d: %w", i, err)
		}
		if _, err := s.Send(); err != nil {
			c.log.Debug().Int("n", i).Err(err).Msg("send")
		}
	}
	return nil
}

// runUntil turns until done reports true (true) or the deadline passes
// (false).
func (c *cluster) runUntil(deadline time.Time, done func() bool) (bool, error) {
	for !done() {
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		if err := c.turn(min(left, turnCap)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// formed reports whether every node is connected and knows all others.
func (c *cluster) formed() bool {
	for _, s := range c.svcs {
		if s.State() != gossip.Connected || s.NumMembers() != len(c.svcs)-1 {
			return false
		}
	}
	return true
}

// quiet reports whether no node has anything left to send or to be
// acknowledged.
func (c *cluster) quiet() bool {
	for _, s := range c.svcs {
		if s.Stats().QueueEnvelopes > 0 {
			return false
		}
	}
	return true
}

// datagramsOut sums every node's Stats().DatagramsOut.
func (c *cluster) datagramsOut() uint64 {
	var n uint64
	for _, s := range c.svcs {
		n += s.Stats().DatagramsOut
	}
	return n
}

// incomplete counts the nodes that are not yet connected to all others.
func (c *cluster) incomplete() int {
	n := 0
	for _, svc := range c.svcs {
		if svc.State() != gossip.Connected || svc.NumMembers() != len(c.svcs)-1 {
			n++
		}
	}
	return n
}

// laggards describes the first few nodes that are not yet connected to
// all others.
func (c *cluster) laggards() string {
	const show = 5
	s, n := "", 0
	for i, svc := range c.svcs {
		if svc.State() == gossip.Connected && svc.NumMembers() == len(c.svcs)-1 {
			continue
		}
		if n++; n <= show {
			s += fmt.Sprintf(" n%d (%s, %d members)", i, svc.State(), svc.NumMembers())
		}
	}
	if n > show {
		s += fmt.Sprintf(" and %d more", n-show)
	}
	return s
}
