// Command seed runs the first node of a gossip cluster, the one other
// nodes join through. It sends no payloads of its own; it prints, one
// line each, its state changes, the members that join, leave or fail,
// and every payload it receives with its origin (a members=N field counts
// the other members, this node not included). SIGINT or SIGTERM makes
// it leave the cluster, print its Stats counters and exit 0.
//
//	go run ./demo/seed -addr /ip4/127.0.0.1/udp/8080
//
// Flags:
//
//	-addr multiaddr   UDP address to bind (default /ip4/127.0.0.1/udp/8080);
//	                  port 0 picks a free port, printed on the "listening" line
//	-retry duration   wait for an Ack before retrying, Config.RetryInterval
//	                  (default 10s); 3 unanswered attempts mean a member failed
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
// an address that is not /ip4|ip6/A/udp/P, a port in use) prints one line
// on stderr and exits 2. (These are the built program's statuses; under
// go run the go command prints "exit status 2" and exits 1 itself.)
package main

import (
	"flag"
	"os"

	"github.com/tickgossip/gossip/demo/internal/democli"
)

func main() {
	os.Exit(democli.Exit(os.Stderr, "seed", run(os.Args[1:])))
}

func run(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	var o democli.Options
	o.Register(fs, "/ip4/127.0.0.1/udp/8080")
	if err := democli.Parse(fs, args); err != nil {
		return err
	}
	return democli.Run(o)
}
