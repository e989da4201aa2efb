// Package runner drives one gossip.GossipService on a goroutine of its
// own, so that the rest of a program can use it from any goroutine:
// publish payloads, receive deliveries and membership events on channels,
// read members and counters, and leave.
//
// The gossip package is single-threaded and leaves the loop to its
// caller; this package is that loop, written once. Run sleeps until the
// service's socket is readable, with the service's Tick result as the
// timeout, in the Go runtime's network poller (on a duplicate of the
// socket's descriptor), and the other goroutines wake it by moving that
// descriptor's deadline. Where there is no poll (Windows), or the
// transport has no descriptor but can wait (a transport.Waiter), it
// sleeps in the service's Wait instead, which the other goroutines end
// with the service's Wake. It wakes for a datagram, for the next round
// or retry, or when another goroutine needs it (Publish, Stats, Leave,
// Close, a cancelled context), and never otherwise: an idle runner costs
// a few turns per TickInterval and no CPU in between.
//
//	r, err := runner.New(gossip.DefaultConfig(), runner.Options{Seeds: seeds})
//	go r.Run(ctx)                        // until ctx is cancelled: then leave, flush, close
//	if err := r.WaitReady(ctx); err != nil { // CONNECTED, or why not: no seed answered, ...
//		return err
//	}
//	r.Publish([]byte("hello"))           // from any goroutine
//	for d := range r.Deliveries() {      // closed when Run returns
//		fmt.Printf("%v: %s\n", d.Origin, d.Payload)
//	}
//
// Ready and Done are the same as channels, to select on together (never
// on Ready alone: it stays open when the join fails).
//
// # The loop
//
// Each turn of Run: Tick (rounds, retries, expiries); copy the member
// table (if it changed) and the counters for the Members and Stats calls
// waiting for them, if any; wait for the socket for at most Tick's result
// (a runtime timer, so a wait under a millisecond sleeps rather than
// spins); Receive; hand queued payloads to SendData; Send. When Tick
// returns 0 because a datagram is due but the socket's send buffer was
// full, the wait is for the socket to become writable too, instead
// of spinning.
//
// # Publishing
//
// Publish copies the payload into a bounded queue (Options.PublishQueue
// slots, their buffers reused) and wakes the loop; it never blocks and
// never waits for the network. The loop hands queued payloads to
// SendData only while the service's outbound queue holds fewer than
// Config.MaxOutboundMessages / (2 × cluster size) messages waiting to be
// sent or acknowledged (at least 1). Every node forwards every payload,
// so this keeps all the nodes' payloads in flight together within half
// of each node's queue. A burst of publications therefore does not make
// any node evict messages. An evicted message leaves holes that
// anti-entropy repairs only later, and the service gives up a hole once
// the payload's origin is 64 payloads further on. When the cluster does
// not keep up, the publish queue fills and Publish returns ErrQueueFull:
// that is the back-pressure. PublishWait waits for room instead. Many
// publishers in a large cluster need a larger MaxOutboundMessages.
//
// # Slow readers: drop and count
//
// Deliveries and Events are buffered channels (Options.Deliveries and
// Options.Events). When one is full, the loop drops what does not fit,
// the newest, and counts it in Stats.DeliveriesDropped or
// Stats.EventsDropped. It never blocks on a reader. A blocked loop would
// stop acknowledging datagrams and answering probes: after RetryAttempts
// × RetryInterval the other nodes would declare this node failed, and
// the payloads they had left for it to forward would wait for
// anti-entropy. A slow reader would hurt the whole cluster rather than
// only itself. Dropping keeps the node a good member. A payload that is
// dropped is lost to this reader for good, because the service delivers
// each payload once. Size Options.Deliveries for your bursts, and watch
// DeliveriesDropped. A consumer that misses events can re-read Members,
// which the loop keeps current.
//
// Memory does not grow with a slow or absent reader. The loop copies a
// payload only if the channel has room, so the channels hold at most
// Options.Deliveries payloads of at most MaxPayload bytes each (the
// copy is the receiver's to keep). The publish queue is bounded in the
// same way, and the service itself is bounded by its Config.
//
// # Shutdown
//
// Run returns when its context is cancelled or when Leave or Close is
// called. After a cancellation or Leave, a CONNECTED node first hands the
// payloads still queued to SendData and sends them. Then it leaves: every
// member is told, and the Leaves are flushed to the socket, waiting for
// room in its send buffer for at most Options.LeaveTimeout after a
// cancellation, or until Leave's context ends. Close skips the goodbye.
// Either way Run then copies the final counters, closes the socket and
// its duplicate, and closes Deliveries and Events. Payloads
// still queued are discarded and counted in Stats.PublishDiscarded. Run
// returns last, and Done is closed when it has.
//
// Run leaves no goroutine behind. It starts one only to resolve DNS
// seeds again while the node knows no member (below), one at a time, and
// cancels and waits for it before returning. To wake the loop when a
// context ends (Run's, and Leave's), it registers a context.AfterFunc
// callback, which runs on a goroutine of the context package only if the
// context ends. The callback wakes the loop and returns.
//
// # DNS seeds
//
// Options.Seeds may name their hosts (/dns4/seeds.example/udp/7946, a
// headless service): Join resolves the names when Run starts, and tries
// every address. While the node is CONNECTED but knows no member at all
// (its seeds went away and came back elsewhere), the runner resolves the
// names again at most once every MemberSyncRounds × TickInterval, on a
// goroutine so that the loop never waits for DNS, and gives the
// addresses to GossipService.SetSeeds; the service greets them at its
// next Reconnect. Stats.SeedResolutions counts these.
//
// A Runner is used once: after Run returns it cannot be started again.
//
// # Errors
//
// Publish and PublishWait return ErrClosed, ErrNotConnected,
// ErrQueueFull, gossip.ErrPayloadTooLarge or gossip.ErrEmptyPayload;
// New returns errors wrapping gossip.ErrInvalidConfig, or the errors of
// gossip.New. Test for all of them with errors.Is. What Run, Leave and
// Close return is documented on each.
//
// # Threads
//
// A sleeping runner is a parked goroutine: it holds no OS thread (where
// the loop waits in the service's Wait, on Windows, the runtime's poller
// parks it too). Many runners in one process share the runtime's
// threads, and datagrams for several of them are handled by one thread
// one turn after another, without a thread switch each.
package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// Errors of the runner. Test for them with errors.Is: a returned error
// often wraps one of them with detail.
var (
	// ErrClosed: the runner has stopped or is stopping (its context was
	// cancelled, Leave or Close was called, or Run returned). Nothing was
	// queued.
	ErrClosed = errors.New("runner: closed")

	// ErrNotConnected: the node is not CONNECTED yet (Run has not been
	// called, or it is still joining). Nothing was queued. Run also wraps
	// it when the runner stopped before the node had connected.
	ErrNotConnected = errors.New("runner: not connected")

	// ErrQueueFull: Options.PublishQueue payloads are already waiting for
	// the loop. The cluster is not keeping up. Nothing was queued. Try
	// again later, or use PublishWait.
	ErrQueueFull = errors.New("runner: publish queue full")

	// ErrStarted: Run was called a second time.
	ErrStarted = errors.New("runner: Run already called")
)

// Defaults of Options.
const (
	DefaultDeliveries   = 256
	DefaultEvents       = 64
	DefaultPublishQueue = 128
	DefaultLeaveTimeout = time.Second
)

// Options configures a Runner. The zero value is valid: it starts a new
// cluster and uses the defaults above.
type Options struct {
	// Seeds are the nodes Run joins through. With none, this node starts
	// a new cluster and is CONNECTED at once. A seed may be a DNS name,
	// /dns|dns4|dns6/NAME/udp/P: Join resolves it when Run starts, and
	// the runner resolves it again, off the loop, while the node is alone
	// (see the package documentation). A seed that is neither that nor
	// /ip4|ip6/A/udp/P makes Run return gossip.ErrInvalidAddress; names
	// none of which resolve, gossip.ErrUnresolved.
	Seeds []multiaddr.Multiaddr

	// Deliveries is the capacity of the Deliveries channel, in payloads.
	// When it is full, further payloads are dropped and counted (see the
	// package documentation). Default DefaultDeliveries (256). At least 1.
	Deliveries int

	// Events is the capacity of the Events channel, in events. When it
	// is full, events are dropped and counted. Default DefaultEvents (64).
	// At least 1.
	Events int

	// PublishQueue is how many published payloads may wait for the loop.
	// A full queue makes Publish return ErrQueueFull. Each slot keeps a
	// buffer of up to MaxPayload bytes once used. Default
	// DefaultPublishQueue (128). At least 1.
	PublishQueue int

	// LeaveTimeout bounds how long Run, after its context was cancelled,
	// keeps writing the Leave datagrams when the socket's send buffer is
	// full. It is almost never reached: on an idle socket the flush takes
	// one pass. Leave uses its context's deadline instead, when it has
	// one. Default DefaultLeaveTimeout (1 s).
	LeaveTimeout time.Duration
}

// Delivery is one payload another node published. Each (Origin, Seq) is
// delivered at most once: exactly once unless Deliveries was full.
type Delivery struct {
	Origin  gossip.NodeID // the node that published it
	Seq     uint32        // its place in Origin's sequence, from 1
	Payload []byte        // a copy: the receiver's to keep and modify
}

// Stats are a runner's counters and its service's, copied by the loop
// between two turns.
type Stats struct {
	// Stats are the service's counters (gossip.GossipService.Stats).
	gossip.Stats

	Published        uint64 // payloads Publish and PublishWait queued
	QueueFull        uint64 // Publish calls refused with ErrQueueFull
	PublishDiscarded uint64 // queued payloads never handed to SendData: the runner stopped first
	PublishQueued    int    // payloads waiting in the queue now

	Delivered         uint64 // payloads put on Deliveries
	DeliveriesDropped uint64 // payloads dropped because Deliveries was full
	Events            uint64 // events put on Events
	EventsDropped     uint64 // events dropped because Events was full

	Turns   uint64 // turns of the loop
	Wakeups uint64 // turns woken by another goroutine: Publish, Stats, Leave, Close, a cancelled context

	Members int // the other members the node knows, as NumMembers (the node itself not counted)

	SeedResolutions   uint64 // DNS seeds resolved again while the node was alone
	SeedResolveErrors uint64 // of those, the ones where a name did not resolve
}

// stop requests, in increasing strength. A stronger request replaces a
// weaker one.
const (
	running    int32 = iota
	stopCancel       // Run's context was cancelled: leave, flush for LeaveTimeout
	stopLeave        // Leave: leave, flush until Leave's context ends
	stopClose        // Close: no goodbye
)

// Runner owns one GossipService and the loop that drives it. Its methods
// are safe for concurrent use, except that Run must be called once.
type Runner struct {
	svc        *gossip.GossipService // used by the loop only, once Run has started
	cfg        gossip.Config
	opts       Options
	id         gossip.NodeID
	addr       multiaddr.Multiaddr
	maxPayload int
	maxMeta    int

	deliveries chan Delivery
	events     chan gossip.MemberEvent
	ready      chan struct{} // closed when first CONNECTED
	done       chan struct{} // closed when Run has returned, or the runner was closed without running

	state    atomic.Uint32 // the service's gossip.State, as the loop last saw it
	stopping atomic.Int32  // running or a stop request

	// mu guards the lifecycle, the publish queue and the waker (so that
	// it is never signalled after it is closed).
	mu       sync.Mutex
	started  bool            // Run was called
	finished bool            // the runner released everything; done is closed
	leaveCtx context.Context // Leave's, for the flush
	q        queue
	wake     waker
	wakeOpen bool
	woken    bool // a wake-up is pending: the loop has not drained the queue since

	// statsWanted is set, and statsReady made, by a Stats call that waits
	// for the loop to take a snapshot; the loop closes statsReady once it
	// has. Both are under mu.
	statsWanted atomic.Bool
	statsReady  chan struct{}
	// membersWanted and membersReady do the same for Members.
	membersWanted atomic.Bool
	membersReady  chan struct{}
	// metaWanted is set by SetMeta, with the metadata in meta and the
	// callers waiting in metaWaiters (under mu); the loop applies the
	// latest and answers them all.
	metaWanted  atomic.Bool
	meta        []byte
	metaWaiters []chan error

	snapMu   sync.Mutex
	snap     Stats
	members  []gossip.Member
	leaveErr error // what Leave returns, set when the loop ends
	runErr   error // what Run returns (ErrClosed if it never ran), set before done is closed

	// The loop's own state, touched by the loop goroutine only.
	res          resolver       // re-resolving DNS seeds (resolve.go)
	resolving    sync.WaitGroup // the resolution in flight, if any
	lc           Stats          // its counters, copied into snap when Stats asks
	membersDirty bool
	readyClosed  bool
}

// New creates a runner and its service. cfg is passed to gossip.New (which
// binds the socket), with OnData and OnMember set by the runner: they must
// be nil. The transport must have a file descriptor to poll or be a
// transport.Waiter (the default UDP transport is one or the other), and
// cfg.Clock, if set, must follow real time, since the
// runner sleeps in real time. Errors wrap gossip.ErrInvalidConfig or are
// gossip.New's; no descriptor stays open after an error.
func New(cfg gossip.Config, opts Options) (*Runner, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: runner: %s", gossip.ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case cfg.OnData != nil || cfg.OnMember != nil:
		return nil, bad("Config.OnData and OnMember must be nil: the runner sets them")
	case cfg.Transport != nil && checkTransport(cfg.Transport) != nil:
		return nil, bad("%v", checkTransport(cfg.Transport))
	case opts.Deliveries < 0:
		return nil, bad("Options.Deliveries is %d, want >= 1 (0 for the default)", opts.Deliveries)
	case opts.Events < 0:
		return nil, bad("Options.Events is %d, want >= 1 (0 for the default)", opts.Events)
	case opts.PublishQueue < 0:
		return nil, bad("Options.PublishQueue is %d, want >= 1 (0 for the default)", opts.PublishQueue)
	case opts.LeaveTimeout < 0:
		return nil, bad("Options.LeaveTimeout is %v, want > 0 (0 for the default)", opts.LeaveTimeout)
	}
	if opts.Deliveries == 0 {
		opts.Deliveries = DefaultDeliveries
	}
	if opts.Events == 0 {
		opts.Events = DefaultEvents
	}
	if opts.PublishQueue == 0 {
		opts.PublishQueue = DefaultPublishQueue
	}
	if opts.LeaveTimeout == 0 {
		opts.LeaveTimeout = DefaultLeaveTimeout
	}
	opts.Seeds = slices.Clone(opts.Seeds)

	r := &Runner{
		opts:       opts,
		deliveries: make(chan Delivery, opts.Deliveries),
		events:     make(chan gossip.MemberEvent, opts.Events),
		ready:      make(chan struct{}),
		done:       make(chan struct{}),
		q:          newQueue(opts.PublishQueue),
	}
	cfg.OnData = r.onData
	cfg.OnMember = r.onMember
	r.cfg = cfg
	svc, err := gossip.New(cfg)
	if err != nil {
		return nil, err
	}
	w, err := newWaker(svc)
	if err != nil {
		svc.Close()
		return nil, fmt.Errorf("runner: waiting on the socket: %w", err)
	}
	r.svc, r.wake, r.wakeOpen = svc, w, true
	r.id, r.addr, r.maxPayload, r.maxMeta = svc.ID(), svc.Addr(), svc.MaxPayload(), svc.MaxMetaSize()
	r.state.Store(uint32(svc.State()))
	r.snap.Stats = svc.Stats()
	return r, nil
}

// ID returns the node's id.
func (r *Runner) ID() gossip.NodeID { return r.id }

// Addr returns the address other nodes reach this one at: give it to
// other runners as a seed.
func (r *Runner) Addr() multiaddr.Multiaddr { return r.addr }

// MaxPayload returns the largest payload Publish accepts.
func (r *Runner) MaxPayload() int { return r.maxPayload }

// State returns the service's state as the loop last saw it:
// INITIALIZED before Run, JOINING, CONNECTED, DISCONNECTED once it has
// left or no seed answered, DESTROYED once Run has returned.
func (r *Runner) State() gossip.State { return gossip.State(r.state.Load()) }

// Ready returns a channel that is closed when the node first becomes
// CONNECTED. It stays open if the node never does (no seed answered, a bad
// seed, stopped while joining): never wait on it alone. Select on Done as
// well, or call WaitReady, which does both and returns Run's error.
func (r *Runner) Ready() <-chan struct{} { return r.ready }

// Done returns a channel that is closed when the runner has stopped: Run
// has returned, or the runner was closed before Run was called. By then
// Deliveries and Events are closed, Stats is final and Err says why.
func (r *Runner) Done() <-chan struct{} { return r.done }

// WaitReady waits until the node is CONNECTED and returns nil, or until
// the runner stops first and returns Err (an error wrapping
// gossip.ErrJoinFailed when no seed answered, gossip.ErrInvalidAddress
// for a bad seed, ErrNotConnected when it was stopped while joining), or
// until ctx ends and returns ctx's error. It returns nil for a node that
// connected and has stopped since. It never blocks once Done is closed,
// so it is the one call to make after starting Run on another goroutine:
//
//	go r.Run(ctx)
//	if err := r.WaitReady(ctx); err != nil {
//		return err // no seed answered, a bad seed, or ctx ended
//	}
func (r *Runner) WaitReady(ctx context.Context) error {
	select {
	case <-r.ready:
		return nil
	default:
	}
	select {
	case <-r.ready:
		return nil
	case <-r.done:
		select {
		case <-r.ready: // connected, then stopped
			return nil
		default:
		}
		return r.Err()
	case <-ctx.Done():
		return fmt.Errorf("runner: waiting for CONNECTED: %w", ctx.Err())
	}
}

// Err returns what Run returned, once Done is closed: nil after a stop
// asked for while CONNECTED, the reason otherwise (see Run). It returns
// ErrClosed for a runner closed before Run was called, and nil while the
// runner has not stopped.
func (r *Runner) Err() error {
	select {
	case <-r.done:
	default:
		return nil
	}
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	return r.runErr
}

// Deliveries returns the channel of payloads other nodes published, each
// delivered once, in the order this node received them. Payloads that
// find it full are dropped and counted in Stats.DeliveriesDropped. It is
// closed when the runner stops.
func (r *Runner) Deliveries() <-chan Delivery { return r.deliveries }

// Events returns the channel of membership changes: a member joined,
// left, failed or was replaced. Events that find it full are dropped and
// counted in Stats.EventsDropped; Members is kept current. Leaving the
// cluster itself clears the member table without events. It is closed
// when the runner stops.
func (r *Runner) Events() <-chan gossip.MemberEvent { return r.events }

// Members returns the other members this node knows (never the node
// itself, as gossip.GossipService.Members), in id order. While Run runs,
// it wakes the loop and waits for it to copy the table between two
// turns, as Stats does: the loop copies it only when asked, and only if
// it changed since the last copy, so member churn costs the loop nothing
// when nobody looks. Before Run it is empty, and after it the last
// table. The slice is the caller's.
func (r *Runner) Members() []gossip.Member {
	r.mu.Lock()
	var ready <-chan struct{}
	if r.started && !r.finished {
		if r.membersReady == nil {
			r.membersReady = make(chan struct{})
			r.membersWanted.Store(true)
		}
		ready = r.membersReady
		r.wakeLocked()
	}
	r.mu.Unlock()
	if ready != nil {
		select {
		case <-ready:
		case <-r.done:
		}
	}
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	return slices.Clone(r.members)
}

// Stats returns the counters. While Run runs, it wakes the loop and waits
// for it to copy them between two turns (for the rest of the turn under
// way, if any), so they are at least as recent as the call; the loop
// copies nothing when nobody asks, since the service's Stats is not free.
// Before Run they are New's, and after it the final ones. The publish
// queue's counters are read directly.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	var ready <-chan struct{}
	if r.started && !r.finished {
		if r.statsReady == nil {
			r.statsReady = make(chan struct{})
			r.statsWanted.Store(true)
		}
		ready = r.statsReady
		r.wakeLocked()
	}
	r.mu.Unlock()
	if ready != nil {
		select {
		case <-ready:
		case <-r.done:
		}
	}

	r.snapMu.Lock()
	st := r.snap
	r.snapMu.Unlock()
	r.mu.Lock()
	st.Published, st.QueueFull, st.PublishQueued = r.q.published, r.q.full, r.q.n
	r.mu.Unlock()
	return st
}

// SetMeta replaces this node's metadata (gossip.GossipService.SetMeta),
// from any goroutine: the loop applies it in its next turn, which raises
// the node's incarnation and spreads the new record, and SetMeta returns
// once it has. The others see it as a gossip.MemberUpdated event on their
// Events. The slice is copied. Errors: gossip.ErrMetaTooLarge beyond
// Config.MaxMetaSize, ErrClosed once the runner has stopped; on error
// nothing changed. Calls that overlap are applied in one turn, the last
// one's metadata winning.
func (r *Runner) SetMeta(meta []byte) error {
	if len(meta) > r.maxMeta {
		return fmt.Errorf("%w: %d bytes, at most %d", gossip.ErrMetaTooLarge, len(meta), r.maxMeta)
	}
	r.mu.Lock()
	if r.finished {
		r.mu.Unlock()
		return ErrClosed
	}
	if !r.started {
		// Run has not started: this goroutine may touch the service, and
		// the Join that Run makes carries the metadata.
		err := r.svc.SetMeta(meta)
		r.mu.Unlock()
		return err
	}
	done := make(chan error, 1)
	r.meta = append(r.meta[:0], meta...)
	r.metaWaiters = append(r.metaWaiters, done)
	r.metaWanted.Store(true)
	r.wakeLocked()
	r.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-r.done:
		return ErrClosed
	}
}

// applyMeta hands the latest SetMeta to the service (on the loop).
func (r *Runner) applyMeta() {
	r.mu.Lock()
	r.metaWanted.Store(false)
	err := r.svc.SetMeta(r.meta)
	for _, w := range r.metaWaiters {
		w <- err
	}
	r.metaWaiters = r.metaWaiters[:0]
	r.mu.Unlock()
}

// Publish queues payload for the whole cluster and wakes the loop, which
// hands it to SendData within the turn unless the service's outbound
// queue is busy (see the package documentation). The payload is
// copied; the caller may reuse it at once. It never blocks. Errors:
// gossip.ErrEmptyPayload, gossip.ErrPayloadTooLarge (more than MaxPayload
// bytes), ErrClosed, ErrNotConnected, ErrQueueFull. Nothing was queued
// after an error.
func (r *Runner) Publish(payload []byte) error {
	_, err := r.publish(payload, false)
	return err
}

// PublishWait is Publish, except that when the queue is full it waits
// for room until ctx ends, then returns ctx's error. It returns every
// other error of Publish at once.
func (r *Runner) PublishWait(ctx context.Context, payload []byte) error {
	for {
		room, err := r.publish(payload, true)
		if room == nil {
			return err
		}
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("runner: publish: %w", ctx.Err())
		}
	}
}

// publish queues payload. When the queue is full and wait is set, it
// returns a channel that is closed when there is room, or the runner
// stops.
func (r *Runner) publish(payload []byte, wait bool) (<-chan struct{}, error) {
	if len(payload) == 0 {
		return nil, gossip.ErrEmptyPayload
	}
	if len(payload) > r.maxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", gossip.ErrPayloadTooLarge, len(payload), r.maxPayload)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.q.closed:
		return nil, ErrClosed
	case r.State() != gossip.Connected:
		return nil, fmt.Errorf("%w: %s", ErrNotConnected, r.State())
	case r.q.n == len(r.q.slots):
		if wait {
			return r.q.waitRoom(), ErrQueueFull
		}
		r.q.full++
		return nil, ErrQueueFull
	}
	r.q.push(payload)
	r.wakeLocked()
	return nil, nil
}

// Leave makes Run leave the cluster and return: the members are told, the
// Leaves are flushed to the socket, the socket is closed. It waits until
// Run has returned or ctx ends, and bounds the flush by ctx's deadline if
// it has one (Options.LeaveTimeout otherwise). It returns nil once a Leave
// datagram for every member was written to the socket (UDP may still lose
// one: that member detects the failure later). It returns an error
// wrapping ErrNotConnected when the node was not CONNECTED (still
// joining, or Run never called), so there was no one to tell; the runner
// is closed all the same. It returns ctx's error when ctx ended first,
// and the runner still stops soon after. It returns an error wrapping
// ErrClosed when the runner had already stopped or been asked to, or
// when Close interrupted the flush.
func (r *Runner) Leave(ctx context.Context) error {
	r.mu.Lock()
	if r.finished || r.stopping.Load() >= stopLeave {
		r.mu.Unlock()
		return ErrClosed
	}
	if !r.started {
		r.stopping.Store(stopLeave)
		st := r.State()
		r.finishLocked()
		r.mu.Unlock()
		return fmt.Errorf("%w: Leave in %s", ErrNotConnected, st)
	}
	r.leaveCtx = ctx
	r.requestStopLocked(stopLeave)
	r.mu.Unlock()

	stop := context.AfterFunc(ctx, r.wakeup) // so the flush sees ctx end
	defer stop()
	select {
	case <-r.done:
	case <-ctx.Done():
		select {
		case <-r.done: // both: Run's result counts
		default:
			return fmt.Errorf("runner: leave: %w", ctx.Err())
		}
	}
	r.snapMu.Lock()
	defer r.snapMu.Unlock()
	return r.leaveErr
}

// Close stops Run at once, without telling the members (they notice the
// node's failure after RetryAttempts × RetryInterval; Leave or cancelling
// Run's context says goodbye). It closes the socket and waits until Run
// has returned. Close before Run releases everything, and Run then
// returns ErrClosed. Close returns ErrClosed when the runner had already
// stopped, and nil otherwise. It interrupts a Leave in progress.
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.finished {
		r.mu.Unlock()
		return ErrClosed
	}
	if !r.started {
		r.stopping.Store(stopClose)
		r.finishLocked()
		r.mu.Unlock()
		return nil
	}
	r.requestStopLocked(stopClose)
	r.mu.Unlock()
	<-r.done
	return nil
}

// requestStopLocked records a stop request, unless a stronger one is
// already there, and wakes the loop. r.mu is held.
func (r *Runner) requestStopLocked(mode int32) {
	if r.stopping.Load() < mode {
		r.stopping.Store(mode)
	}
	r.wakeLocked()
}

// wakeup wakes the loop, for the context callbacks.
func (r *Runner) wakeup() {
	r.mu.Lock()
	r.wakeLocked()
	r.mu.Unlock()
}

// wakeLocked wakes the loop unless a wake-up is already
// pending. r.mu is held, so the waker is still open.
func (r *Runner) wakeLocked() {
	if r.wakeOpen && !r.woken {
		r.woken = true
		r.wake.signal()
	}
}

// finishLocked releases what the runner holds once the loop, if any, has
// ended: the service, the loop's waker, the channels. r.mu is held.
func (r *Runner) finishLocked() {
	if r.finished {
		return
	}
	r.finished = true
	r.q.close()
	if !r.started { // the loop never ran: the service is still ours to close
		r.svc.Close()
		r.state.Store(uint32(r.svc.State()))
		r.snapMu.Lock()
		r.snap.Stats = r.svc.Stats()
		r.snap.PublishDiscarded += uint64(r.q.n)
		r.runErr = ErrClosed
		r.snapMu.Unlock()
	}
	if r.wakeOpen {
		r.wake.close()
		r.wakeOpen = false
	}
	close(r.deliveries)
	close(r.events)
	close(r.done)
}
