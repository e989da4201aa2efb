// Command node runs a gossip node that joins a cluster through one or
// more seeds and, once connected, sends a short text with a timestamp to
// the whole cluster every 5 seconds. It prints, one line each, its state
// changes, the members that join, leave or fail, what it sends, and every
// payload it receives with its origin and age (a members=N field counts
// the other members, this node not included). SIGINT or SIGTERM makes it
// leave the cluster (the others see it go at once), print its Stats
// counters and exit 0.
//
//	go run ./demo/node -addr /ip4/127.0.0.1/udp/7070 -seed /ip4/127.0.0.1/udp/8080
//
// Flags:
//
//	-addr multiaddr   UDP address to bind (default /ip4/127.0.0.1/udp/0, a
//	                  free port, printed on the "listening" line)
//	-seed multiaddr   a seed to join through; repeat for several (default
//	                  /ip4/127.0.0.1/udp/8080, the seed program's default).
//	                  A DNS name, /dns4/NAME/udp/P (or /dns, /dns6), stands
//	                  for every address it has; it is resolved when joining
//	                  and again while the node knows no member
//	-every duration   how often to send a payload (default 5s)
//	-retry duration   wait for an Ack before retrying, Config.RetryInterval
//	                  (default 10s); a join no seed answers fails after 3
//	                  attempts, 3 × -retry
//	-tick duration    anti-entropy and failure-probe period,
//	                  Config.TickInterval (default 1s)
//	-key-file file    a file holding the cluster key in standard base64 (16,
//	                  24 or 32 bytes: head -c 32 /dev/urandom | base64); every
//	                  datagram is sealed, and unsealed ones are refused
//	-log-level level  debug, info, warn or error (default info); debug adds
//	                  the library's member and dropped-datagram lines
//	-json             print JSON lines instead of zerolog's console format
//
// Output goes to stdout, one structured line per event. Bad input (a flag,
// an address that is not /ip4|ip6/A/udp/P, a port in use) and a join that
// no seed answers print one line on stderr and exit 2. (These are the
// built program's statuses; under go run the go command prints "exit
// status 2" and exits 1 itself.)
package main

import (
	"flag"
	"os"
	"time"

	"github.com/tickgossip/gossip/demo/internal/democli"
)

func main() {
	os.Exit(democli.Exit(os.Stderr, "node", run(os.Args[1:])))
}

func run(args []string) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	var o democli.Options
	o.Register(fs, "/ip4/127.0.0.1/udp/0")
	fs.Var(democli.AddrsFlag{Addrs: &o.Seeds}, "seed", "seed to join through, a UDP `multiaddr` or /dns4/NAME/udp/P; repeat for several (default /ip4/127.0.0.1/udp/8080)")
	fs.DurationVar(&o.Every, "every", 5*time.Second, "how often to send a payload")
	if err := democli.Parse(fs, args); err != nil {
		return err
	}
	if o.Every <= 0 {
		return democli.BadInputf("-every %v: want a positive duration", o.Every)
	}
	if len(o.Seeds) == 0 {
		o.Seeds = append(o.Seeds, democli.MustAddr("/ip4/127.0.0.1/udp/8080"))
	}
	return democli.Run(o)
}
