package democli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// signalCheck caps each poll so that a SIGINT or SIGTERM, which arrives
// on a channel rather than on the polled socket, is noticed within it.
const signalCheck = 100 * time.Millisecond

// flushFor bounds how long a leaving node waits for its Leaves' Acks:
// they are retried every ProbeTimeout, RetryAttempts times (1.5 s by
// default), and a member that speaks only the base format never
// acknowledges.
const flushFor = 2 * time.Second

// runner is one node and what its loop needs between turns.
type runner struct {
	o     Options
	cfg   gossip.Config
	log   zerolog.Logger
	svc   *gossip.GossipService
	addrs map[gossip.NodeID]multiaddr.Multiaddr // members' addresses, from OnMember
	sent  int                                   // payloads sent
	next  time.Time                             // when the next payload is due
	seeds *seedRefresh                          // re-resolves -seed names while alone
}

// Run runs one node until SIGINT or SIGTERM: it binds o.Addr, joins
// through o.Seeds (none: it starts a cluster), and drives the service
// with the documented loop (Tick, poll on FD or Wait, Receive, Send) on this
// goroutine, printing state changes (the library's own lines), member
// changes and received payloads. With o.Every set it sends a payload
// that often once connected. On a signal it leaves, flushes the Leaves,
// closes, prints its Stats and returns nil. A join that no seed answers
// returns a BadInput error.
func Run(o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	// From here on SIGINT and SIGTERM wait for the loop to notice them.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	r := &runner{o: o, log: o.Logger(), addrs: map[gossip.NodeID]multiaddr.Multiaddr{}}
	r.cfg = o.config(r.log)
	r.cfg.OnMember = r.onMember
	r.cfg.OnData = r.onData
	svc, err := gossip.New(r.cfg)
	if err != nil {
		return ExplainNew(o.Addr, err)
	}
	r.svc = svc
	r.log = r.log.With().Stringer("node", svc.ID()).Logger()
	e := r.log.Info().Stringer("addr", svc.Addr())
	if len(o.Seeds) > 0 {
		e = e.Stringer("seeds", AddrsFlag{&o.Seeds})
	}
	e.Msg("listening")
	if err := svc.Join(o.Seeds...); err != nil { // resolves -seed names
		svc.Close()
		if errors.Is(err, gossip.ErrUnresolved) {
			return BadInputf("-seed: %v", err)
		}
		return BadInput(err) // the flags were checked: not expected
	}
	r.seeds = newSeedRefresh(svc, r.cfg)
	defer r.seeds.stop()
	err = r.loop(sigs)
	svc.Close()
	LogStats(r.log, svc.Stats())
	return err
}

// loop turns until a signal on sigs (nil), a failed join or a socket
// error. It checks sigs once a turn, without blocking; the poll's timeout
// is capped at signalCheck so that a signal is seen within it.
func (r *runner) loop(sigs <-chan os.Signal) error {
	w := NewWaiter(r.svc)
	for {
		select {
		case s := <-sigs:
			r.log.Info().Stringer("signal", s).Msg("leaving")
			return r.leave()
		default:
		}
		r.seeds.turn(r.svc, r.cfg, time.Now())
		// SendData only queues: send before Tick, so that Tick's wait
		// (0 when an envelope is due) covers the new payload.
		untilSend := r.sendDue(time.Now())
		wait := min(r.svc.Tick(), untilSend, signalCheck)
		if err := r.svc.Err(); errors.Is(err, gossip.ErrJoinFailed) {
			return BadInputf("%s (%s; %d attempts, -retry %v apart)",
				JoinFailure(err), AddrsFlag{&r.o.Seeds}, r.cfg.RetryAttempts, r.cfg.RetryInterval)
		}
		if err := w.Wait(wait); err != nil {
			return err
		}
		if _, err := r.svc.Receive(); err != nil {
			return err
		}
		if _, err := r.svc.Send(); err != nil {
			r.log.Debug().Err(err).Msg("send") // counted as a lost attempt; the retry covers it
		}
	}
}

// sendDue sends a payload if one is due and returns the wait until the
// next is.
func (r *runner) sendDue(now time.Time) time.Duration {
	if r.o.Every <= 0 || r.svc.State() != gossip.Connected {
		return signalCheck
	}
	if r.next.IsZero() {
		r.next = now.Add(r.o.Every)
	}
	if !now.Before(r.next) {
		r.sent++
		text := FormatPayload(r.sent, r.svc.Addr(), now)
		if err := r.svc.SendData([]byte(text)); err != nil {
			r.log.Error().Err(err).Msg("send data")
		} else {
			r.log.Info().Str("payload", text).Int("members", r.svc.NumMembers()).Msg("sent")
		}
		r.next = r.next.Add(r.o.Every)
		if !r.next.After(now) { // fell behind: skip, don't burst
			r.next = now.Add(r.o.Every)
		}
	}
	return r.next.Sub(now)
}

// leave tells the members this node goes, and drives the loop until
// every Leave is acknowledged or has used its attempts (Leaving is 0),
// before the caller closes the socket.
func (r *runner) leave() error {
	if r.svc.State() != gossip.Connected {
		return nil
	}
	if err := r.svc.Leave(); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	w := NewWaiter(r.svc)
	end := time.Now().Add(flushFor)
	for r.svc.Leaving() > 0 && time.Now().Before(end) {
		wait := r.svc.Tick()
		if err := w.Wait(min(wait, time.Until(end))); err != nil {
			return err
		}
		if _, err := r.svc.Receive(); err != nil {
			return err
		}
		if _, err := r.svc.Send(); err != nil {
			r.log.Debug().Err(err).Msg("send")
		}
	}
	if n := r.svc.Leaving(); n > 0 {
		r.log.Warn().Int("unacknowledged", n).Msg("left before every member acknowledged")
	}
	return nil
}
