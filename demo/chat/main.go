// Command chat is a chat room on a gossip cluster, built on package
// runner: every line typed on stdin goes to the whole cluster, and every
// line from the others is printed with its sender's address. Two or three
// terminals make a room:
//
//	go run ./demo/chat -addr /ip4/127.0.0.1/udp/8080                                 # starts the room
//	go run ./demo/chat -addr /ip4/127.0.0.1/udp/7070 -seed /ip4/127.0.0.1/udp/8080   # joins it
//
// Flags:
//
//	-addr multiaddr  UDP address to bind (default /ip4/127.0.0.1/udp/0, a
//	                 free port, printed on the "listening" line)
//	-metrics addr    serve Prometheus metrics at http://addr/metrics (a TCP
//	                 host:port such as 127.0.0.1:9464; port 0 picks one,
//	                 printed on a "* metrics" line). Default: none
//	-name text       this member's name in the room, carried in its metadata
//	                 (Config.Meta, at most 64 bytes); the others show it on
//	                 its lines and when it joins, is renamed or leaves.
//	                 Default: none, the others show its address
//	-seed multiaddr  a member to join through, /ip4/A/udp/P or a DNS name
//	                 /dns4/NAME/udp/P (every address of the name is tried,
//	                 and tried again while the node is alone); repeat for
//	                 several. None: this node starts a new room
//
// Stdout has the others' lines, as "[alice] hello" (or, for a member
// without a name, "[/ip4/127.0.0.1/udp/7070] hello"), and what happens, on
// lines that start with "* ": listening, connected, a member joined, left,
// failed or was renamed. Control characters in received text are
// shown as U+FFFD, so a peer cannot drive the terminal. Your own lines are
// not echoed.
//
// End of input (Ctrl-D), SIGINT or SIGTERM makes the node leave the room
// (the others print "* ... left" at once) and exit 0. Bad flags or
// addresses, a port in use, and a seed that never answers (after 3
// attempts 10 s apart) print one line on stderr and exit 2. Other failures
// exit 1. (These are the built program's statuses; under go run the go
// command prints "exit status N" and exits 1 itself for any failure.)
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unicode"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/demo/internal/democli"
	"github.com/tickgossip/gossip/metrics"
	"github.com/tickgossip/gossip/runner"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	os.Exit(democli.Exit(os.Stderr, "chat", err))
}

// run is the program: it returns when ctx is cancelled or stdin ends
// (after leaving the room), or on an error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	addr := democli.MustAddr("/ip4/127.0.0.1/udp/0")
	var seeds []multiaddr.Multiaddr
	fs.Var(democli.AddrFlag{Addr: &addr}, "addr", "UDP `multiaddr` to bind; port 0 picks a free one")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics at http://`host:port`/metrics (none by default)")
	name := fs.String("name", "", "this member's `name` in the room (its metadata), shown on its lines")
	fs.Var(democli.AddrsFlag{Addrs: &seeds}, "seed", "a member to join through, a UDP `multiaddr` or /dns4/NAME/udp/P; repeat for several (none: start a new room)")
	if err := democli.Parse(fs, args); err != nil {
		return err
	}

	cfg := gossip.DefaultConfig()
	cfg.Addr = addr
	if len(*name) > cfg.MaxMetaSize {
		return democli.BadInputf("-name: %d bytes, at most %d", len(*name), cfg.MaxMetaSize)
	}
	cfg.Meta = []byte(*name)
	r, err := runner.New(cfg, runner.Options{Seeds: seeds})
	if err != nil {
		return democli.ExplainNew(addr, err)
	}
	if len(seeds) == 0 {
		fmt.Fprintf(stdout, "* listening on %s as %s; a new room: others join with -seed %s\n", r.Addr(), r.ID(), r.Addr())
	} else {
		fmt.Fprintf(stdout, "* listening on %s as %s; joining via %s\n", r.Addr(), r.ID(), democli.AddrsFlag{Addrs: &seeds})
	}

	if *metricsAddr != "" {
		stopMetrics, err := serveMetrics(r, *metricsAddr, stdout)
		if err != nil {
			r.Close()
			return err
		}
		defer stopMetrics()
	}

	ctx, leave := context.WithCancel(ctx)
	defer leave()
	printed := make(chan struct{})
	go func() {
		show(r, stdout, cfg.MaxMembers)
		close(printed)
	}()
	go func() {
		send(ctx, r, stdin)
		leave() // end of input: leave the room
	}()
	err = r.Run(ctx)
	<-printed // Run closed the channels: everything received is shown
	switch {
	case err == nil:
		fmt.Fprintln(stdout, "* left the room")
		return nil
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stdout, "* stopped before connecting")
		return nil
	case errors.Is(err, gossip.ErrJoinFailed):
		return democli.BadInputf("%s (%s; %d attempts, %v apart)",
			democli.JoinFailure(err), democli.AddrsFlag{Addrs: &seeds}, cfg.RetryAttempts, cfg.RetryInterval)
	case errors.Is(err, gossip.ErrInvalidAddress), errors.Is(err, gossip.ErrUnresolved):
		return democli.BadInput(err)
	}
	return err
}

// serveMetrics serves the runner's metrics at http://addr/metrics, in
// the Prometheus text format (package metrics), and prints where. It
// returns the function that stops the server.
func serveMetrics(r *runner.Runner, addr string, stdout io.Writer) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, democli.BadInputf("-metrics %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(r))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) // returns ErrServerClosed at stop
	fmt.Fprintf(stdout, "* metrics on http://%s/metrics\n", ln.Addr())
	return func() { srv.Close() }, nil
}

// send publishes every non-empty line of stdin once the node is
// connected, until stdin ends or the runner stops. A line that cannot be
// sent (too long, say) is reported on stderr and skipped.
func send(ctx context.Context, r *runner.Runner, stdin io.Reader) {
	select {
	case <-r.Ready():
	case <-r.Done():
		return
	}
	in := bufio.NewReaderSize(stdin, 4096)
	for {
		line, err := in.ReadSlice('\n')
		tooLong := errors.Is(err, bufio.ErrBufferFull)
		for errors.Is(err, bufio.ErrBufferFull) { // skip the rest of the line
			_, err = in.ReadSlice('\n')
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case tooLong:
			fmt.Fprintf(os.Stderr, "chat: line not sent: longer than %d bytes\n", r.MaxPayload())
		case len(line) > 0:
			if perr := r.PublishWait(ctx, line); perr != nil {
				if errors.Is(perr, runner.ErrClosed) || ctx.Err() != nil {
					return
				}
				fmt.Fprintf(os.Stderr, "chat: line not sent: %v\n", perr)
			}
		}
		if err != nil { // io.EOF, or stdin failed: either way, the end
			return
		}
	}
}

// show prints what the runner delivers until it stops: the others' lines
// with their senders, and membership changes. It is the only writer of
// stdout while the node runs.
func show(r *runner.Runner, stdout io.Writer, maxMembers int) {
	names := newRoster(maxMembers)
	event := func(ev gossip.MemberEvent) {
		was, known := names.names[ev.Member.ID]
		names.apply(ev)
		switch {
		case ev.Kind == gossip.MemberUpdated && known && was != nameOf(ev.Member):
			fmt.Fprintf(stdout, "* %s is now %s\n", was, nameOf(ev.Member))
		case ev.Kind == gossip.MemberUpdated:
		default:
			fmt.Fprintf(stdout, "* %s %s\n", nameOf(ev.Member), ev.Kind)
		}
	}
	ready, events, deliveries := r.Ready(), r.Events(), r.Deliveries()
	for events != nil || deliveries != nil {
		if ready != nil { // "connected" before the seed's joined event, which comes just before it
			select {
			case <-ready:
				fmt.Fprintln(stdout, "* connected")
				ready = nil
			default:
			}
		}
		select {
		case <-ready:
			fmt.Fprintln(stdout, "* connected")
			ready = nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			event(ev)
		case d, ok := <-deliveries:
			if !ok {
				deliveries = nil
				continue
			}
			// A member's joined event comes before its lines: the loop
			// queued it first. Show what is waiting before the line.
			for pending := true; pending && events != nil; {
				select {
				case ev, ok := <-events:
					if ok {
						event(ev)
					} else {
						events = nil
					}
				default:
					pending = false
				}
			}
			fmt.Fprintf(stdout, "[%s] %s\n", names.sender(r, d.Origin), printable(d.Payload))
		}
	}
}

// nameOf is how the room shows a member: its name (its metadata) when it
// has one, made printable, else its address.
func nameOf(m gossip.Member) string {
	if len(m.Meta) > 0 {
		return string(printable(m.Meta))
	}
	return m.Addr.String()
}

// roster names the room's members (see nameOf), for the lines they send.
// It holds the members the events announced and have not taken away, so
// it stays as small as the member table (Config.MaxMembers) however many
// join and leave. Events can be dropped when the channel is full, so a
// departure may go unseen: at twice the table's bound it starts again
// from Members. (It once kept every name it ever saw: 120,000 forged
// joins and leaves grew the process by 25 MiB.)
type roster struct {
	names map[gossip.NodeID]string
	limit int
}

func newRoster(maxMembers int) *roster {
	return &roster{names: map[gossip.NodeID]string{}, limit: 2 * maxMembers}
}

// apply records a member event.
func (ro *roster) apply(ev gossip.MemberEvent) {
	if ev.Kind != gossip.MemberJoined && ev.Kind != gossip.MemberUpdated {
		delete(ro.names, ev.Member.ID) // left, failed, or replaced by a new id
		return
	}
	if _, ok := ro.names[ev.Member.ID]; !ok && len(ro.names) >= ro.limit {
		ro.names = map[gossip.NodeID]string{} // a map never shrinks: a new one
	}
	ro.names[ev.Member.ID] = nameOf(ev.Member)
}

// sender names a payload's origin by its address: from the events, else
// from the member table, else (an origin this node does not know, or no
// longer) by its id.
func (ro *roster) sender(r *runner.Runner, id gossip.NodeID) string {
	if name, ok := ro.names[id]; ok {
		return name
	}
	for _, m := range r.Members() {
		if m.ID == id {
			ro.apply(gossip.MemberEvent{Kind: gossip.MemberJoined, Member: m})
			return ro.names[id]
		}
	}
	return id.String()
}

// printable returns p as text with invalid UTF-8 and control characters
// (tab excepted) replaced by U+FFFD.
func printable(p []byte) []byte {
	return bytes.Map(func(c rune) rune {
		if c != '\t' && unicode.IsControl(c) {
			return unicode.ReplacementChar
		}
		return c
	}, bytes.ToValidUTF8(p, []byte("\uFFFD")))
}
