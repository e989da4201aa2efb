package democli

import (
	"context"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// seedRefresh is the caller's side of GossipService.SetSeeds in the
// demos' own loop: while the node is CONNECTED but knows no member, it
// resolves the -seed names again, at most once every MemberSyncRounds ×
// TickInterval, on a goroutine so that the loop never waits for DNS, and
// hands the addresses to SetSeeds on a later turn. Package runner does
// the same for its users.
type seedRefresh struct {
	every    time.Duration // 0: the seeds are no names, nothing to do
	next     time.Time
	inFlight bool
	done     chan []multiaddr.Multiaddr // buffered: the goroutine never blocks
	ctx      context.Context
	cancel   context.CancelFunc
}

func newSeedRefresh(svc *gossip.GossipService, cfg gossip.Config) *seedRefresh {
	f := &seedRefresh{done: make(chan []multiaddr.Multiaddr, 1)}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	if svc.HasDNSSeeds() && cfg.MemberSyncRounds > 0 {
		f.every = time.Duration(cfg.MemberSyncRounds) * cfg.TickInterval
		f.next = time.Now().Add(f.every)
	}
	return f
}

// turn runs once a turn of the loop: it takes a finished resolution to
// SetSeeds and starts the next one when it is due.
func (f *seedRefresh) turn(svc *gossip.GossipService, cfg gossip.Config, now time.Time) {
	if f.every == 0 {
		return
	}
	select {
	case addrs := <-f.done:
		f.inFlight = false
		if len(addrs) > 0 {
			_ = svc.SetSeeds(addrs...)
		}
	default:
	}
	if f.inFlight || now.Before(f.next) || svc.State() != gossip.Connected || svc.NumMembers() > 0 {
		return
	}
	f.inFlight, f.next = true, now.Add(f.every)
	seeds := svc.Seeds()
	go func() {
		ctx, cancel := context.WithTimeout(f.ctx, cfg.ResolveTimeout)
		addrs, _ := gossip.ResolveSeeds(ctx, cfg.Resolver, seeds...) // what resolved; the rest waits for the next try
		cancel()
		f.done <- addrs
	}()
}

// stop cancels a resolution in flight.
func (f *seedRefresh) stop() { f.cancel() }
