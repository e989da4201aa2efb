// Command cluster starts a seed and N-1 nodes in one process, on free
// loopback ports, all driven by one poll loop over all their sockets, and
// shows how payloads spread through the cluster.
//
// It waits until every node knows the N-1 others, then sends payloads one
// after another, each from a node chosen at random, and prints each
// delivery as it happens: which node, how long after the send, how many
// nodes have it. Once a payload has reached every node and the cluster is
// quiet again (no envelope waiting to be sent or acknowledged), it prints
// the time to full delivery and the datagrams the payload cost: the
// growth of the sum of every node's Stats().DatagramsOut from the send to
// quiet, Data, Acks and any Status round that fell in between. It ends
// with a summary table: per payload the origin, the milliseconds until
// 50% and 100% of the nodes had it (the origin counts as having it at 0),
// the datagrams, and datagrams per node.
//
//	go run ./demo/cluster -nodes 8
//
// Flags:
//
//	-nodes n          nodes in the cluster, the seed included (default 8, 2..1024)
//	-payloads n       payloads to send (default 5)
//	-timeout duration how long the cluster may take to form, and each
//	                  payload to reach every node (default: 10s, or
//	                  500ms per node when that is longer: 32s for 64 nodes,
//	                  since forming takes longer the more nodes there are)
//	-fanout n         Config.RumorFactor: how many members each node passes
//	                  a payload to (default 3, 1..7)
//	-tick duration    Config.TickInterval (default 200ms)
//	-retry duration   Config.RetryInterval (default 1s)
//	-key-file file    a file holding the cluster key in standard base64 (16,
//	                  24 or 32 bytes: head -c 32 /dev/urandom | base64); every
//	                  datagram is sealed, and unsealed ones are refused
//	-log-level level  debug, info, warn or error (default info); debug adds
//	                  the library's own lines and each node's address
//	-json             print JSON lines, and the summary as "summary" lines
//	                  instead of a table
//
// It exits 0 when every payload reached every node, 1 with one line on
// stderr when the cluster did not form or a payload did not reach every
// node within -timeout (the line names the nodes still missing members
// or the payload, and suggests a longer -timeout), and 2 on bad flags.
// These are the built program's exit statuses: under go run, the go
// command prints "exit status N" and itself exits 1 for any failure.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/tickgossip/gossip/demo/internal/democli"
)

// quietFor bounds the wait for the cluster to be quiet before and after a
// payload; past it the payload's datagram count includes more traffic.
const quietFor = time.Second

// options are the flags.
type options struct {
	democli.Log
	nodes, payloads, fanout int
	timeout, tick, retry    time.Duration
	key                     []byte
}

func main() {
	os.Exit(democli.Exit(os.Stderr, "cluster", run(os.Args[1:])))
}

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	log := o.Logger()
	c, err := newCluster(o, log)
	if err != nil {
		return err
	}
	defer c.close()

	start := time.Now()
	if err := c.join(); err != nil {
		return err
	}
	if ok, err := c.runUntil(start.Add(o.timeout), c.formed); err != nil || !ok {
		return orTimeout(err, "cluster did not form within %v: %d of %d nodes lack members:%s; try a longer -timeout (-timeout %v)",
			o.timeout, c.incomplete(), o.nodes, c.laggards(), 2*o.timeout)
	}
	log.Info().Int("nodes", o.nodes).Int("members_each", o.nodes-1).
		Dur("took_ms", time.Since(start)).Msg("cluster formed")

	var flights []*flight
	for num := 1; num <= o.payloads; num++ {
		if _, err := c.runUntil(time.Now().Add(quietFor), c.quiet); err != nil {
			return err
		}
		f, err := c.send(num, rand.IntN(o.nodes))
		if err != nil {
			return err
		}
		if ok, err := c.runUntil(f.sent.Add(o.timeout), f.complete); err != nil || !ok {
			return orTimeout(err, "payload %d from n%d reached %d of %d nodes within %v; missing: %s; try a longer -timeout (-timeout %v)",
				num, f.origin, f.reached, o.nodes, o.timeout, f.missing(), 2*o.timeout)
		}
		if _, err := c.runUntil(time.Now().Add(quietFor), c.quiet); err != nil {
			return err
		}
		f.datagrams = c.datagramsOut() - f.out0
		log.Info().Int("payload", num).Str("origin", fmt.Sprintf("n%d", f.origin)).
			Dur("to_100pct_ms", f.until(1)).Uint64("datagrams", f.datagrams).
			Float64("per_node", f.perNode()).Msg("reached every node")
		flights = append(flights, f)
	}
	c.close()
	if o.JSON {
		summaryLines(log, flights)
		return nil
	}
	return table(os.Stdout, flights)
}

// defaultTimeout is -timeout's default for n nodes: 10 s, or 500 ms per
// node when that is longer. Forming takes longer the larger the cluster
// (about 1.5 s for 16 nodes, 3 s for 32, 18 to 22 s for 64 and 128 on
// a 2-core machine), and a payload's delivery little; half a second per
// node leaves room on a loaded machine.
func defaultTimeout(n int) time.Duration {
	return max(10*time.Second, time.Duration(n)*500*time.Millisecond)
}

// orTimeout returns err if there is one, else the formatted timeout.
func orTimeout(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf(format, args...)
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.IntVar(&o.nodes, "nodes", 8, "nodes in the cluster, the seed included (2..1024)")
	fs.IntVar(&o.payloads, "payloads", 5, "payloads to send, one after another")
	fs.DurationVar(&o.timeout, "timeout", 0, "how long the cluster may take to form, and each payload to reach every node (default 10s, or 500ms per node if longer)")
	fs.IntVar(&o.fanout, "fanout", 3, "members each node passes a payload to (RumorFactor, 1..7)")
	fs.DurationVar(&o.tick, "tick", 200*time.Millisecond, "anti-entropy and failure-probe period (TickInterval)")
	fs.DurationVar(&o.retry, "retry", time.Second, "wait for an Ack before retrying (RetryInterval)")
	democli.RegisterKey(fs, &o.key)
	o.Log.Register(fs)
	if err := democli.Parse(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.nodes < 2 || o.nodes > 1024:
		return o, democli.BadInputf("-nodes %d: want 2..1024", o.nodes)
	case o.payloads < 1:
		return o, democli.BadInputf("-payloads %d: want at least 1", o.payloads)
	case o.timeout < 0, o.tick <= 0, o.retry <= 0:
		return o, democli.BadInputf("-timeout, -tick and -retry must be positive")
	case o.timeout == 0:
		o.timeout = defaultTimeout(o.nodes)
	}
	return o, nil
}
