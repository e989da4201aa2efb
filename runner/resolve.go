package runner

import (
	"context"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// Seeds given as DNS names are resolved by Join when Run starts. Later,
// while the node is CONNECTED but knows no member (its seeds restarted
// elsewhere, say), the loop has them resolved again, at most once every
// MemberSyncRounds × TickInterval (the pace at which the service greets
// its seeds when alone), and hands the new addresses to SetSeeds. The
// resolution runs on a goroutine of its own, one at a time, bounded by
// Config.ResolveTimeout, so that the loop never waits for DNS; Run
// cancels it and waits for it before returning.

// resolution is one re-resolution's result.
type resolution struct {
	addrs []multiaddr.Multiaddr
	err   error
}

// resolver is the loop's state for re-resolving its seed names.
type resolver struct {
	ctx      context.Context // cancelled when the loop ends
	cancel   context.CancelFunc
	every    time.Duration // at most one resolution per this; 0: never
	next     time.Time     // the earliest time of the next one
	inFlight bool
	done     chan resolution // the goroutine's result; buffered, so it never blocks
}

func (r *Runner) initResolver() {
	rs := &r.res
	rs.ctx, rs.cancel = context.WithCancel(context.Background())
	rs.done = make(chan resolution, 1)
	if r.svc.HasDNSSeeds() && r.cfg.MemberSyncRounds > 0 {
		rs.every = time.Duration(r.cfg.MemberSyncRounds) * r.cfg.TickInterval
	}
	rs.next = time.Now().Add(rs.every)
}

// resolveSeeds, on the loop, takes a finished resolution's addresses to
// SetSeeds, and starts the next one when the node is alone and it is
// due.
func (r *Runner) resolveSeeds(now time.Time) {
	rs := &r.res
	if rs.every == 0 {
		return
	}
	select {
	case res := <-rs.done:
		rs.inFlight = false
		r.lc.SeedResolutions++
		if res.err != nil {
			r.lc.SeedResolveErrors++
		}
		if len(res.addrs) > 0 {
			_ = r.svc.SetSeeds(res.addrs...) // IP multiaddrs: cannot fail
		}
	default:
	}
	if rs.inFlight || now.Before(rs.next) || r.svc.State() != gossip.Connected || r.svc.NumMembers() > 0 {
		return
	}
	rs.inFlight, rs.next = true, now.Add(rs.every)
	seeds, resolver, timeout := r.svc.Seeds(), r.cfg.Resolver, r.cfg.ResolveTimeout
	r.resolving.Add(1)
	go func() {
		defer r.resolving.Done()
		ctx, cancel := context.WithTimeout(rs.ctx, timeout)
		addrs, err := gossip.ResolveSeeds(ctx, resolver, seeds...)
		cancel()
		rs.done <- resolution{addrs, err}
		r.wakeup() // the loop takes the result on its next turn
	}()
}

// stopResolving cancels a resolution in flight and waits for it, so that
// Run leaves no goroutine behind.
func (r *Runner) stopResolving() {
	if r.res.cancel != nil {
		r.res.cancel()
	}
	r.resolving.Wait()
}
