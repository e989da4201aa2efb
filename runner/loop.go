package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tickgossip/gossip"
)

// Run joins the cluster (through Options.Seeds, or none: a new cluster)
// and drives the service on the calling goroutine until ctx is cancelled,
// Leave or Close is called, no seed answers, or the socket fails. Then it
// shuts down as the package documentation describes and returns.
//
// Run returns nil when it was asked to stop (ctx, Leave, Close) while the
// node was CONNECTED. It returns an error wrapping ErrNotConnected and
// the reason when it was asked to stop before the node had connected.
// The reason is context.Cause(ctx), or ErrClosed for Leave and Close.
// It returns an error wrapping gossip.ErrJoinFailed when no seed
// answered (after RetryAttempts × RetryInterval), and an error wrapping
// gossip.ErrInvalidAddress for a bad seed. A transport or poll failure
// is returned wrapped. It returns ErrStarted when Run was already called,
// and ErrClosed when the runner was closed before Run.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	switch {
	case r.finished:
		r.mu.Unlock()
		return ErrClosed
	case r.started:
		r.mu.Unlock()
		return ErrStarted
	}
	r.started = true
	r.mu.Unlock()

	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.requestStopLocked(stopCancel)
		r.mu.Unlock()
	})
	err := r.loop(ctx)
	stop()
	r.stopResolving()
	r.snapMu.Lock()
	r.runErr = err
	r.snapMu.Unlock()
	r.mu.Lock()
	r.finishLocked()
	r.mu.Unlock()
	return err
}

// loop is Run's loop, up to and including the shutdown of the service.
func (r *Runner) loop(ctx context.Context) error {
	svc := r.svc
	if err := svc.Join(r.opts.Seeds...); err != nil {
		return r.shutdown(ctx, fmt.Errorf("runner: join: %w", err))
	}
	r.initResolver()
	r.observe()
	for {
		if r.stopping.Load() != running {
			return r.shutdown(ctx, nil)
		}
		wait := svc.Tick()
		r.observe()
		if errors.Is(svc.Err(), gossip.ErrJoinFailed) {
			return r.shutdown(ctx, fmt.Errorf("runner: %w", svc.Err()))
		}
		r.lc.Turns++
		if r.res.every != 0 {
			r.resolveSeeds(time.Now())
		}
		if r.membersWanted.Load() {
			r.answerMembers()
		}
		if r.statsWanted.Load() {
			r.publishStats()
		}
		if r.metaWanted.Load() {
			r.applyMeta()
		}

		// Wait == 0: something is due for Send now. If the socket's send
		// buffer was full last turn it still is due, so wait for the
		// socket to be writable rather than spin.
		woken, err := r.wake.wait(wait, true, wait == 0)
		if err != nil {
			return r.shutdown(ctx, fmt.Errorf("runner: poll: %w", err))
		}
		if woken {
			r.lc.Wakeups++
		}

		if _, err := svc.Receive(); err != nil {
			return r.shutdown(ctx, fmt.Errorf("runner: %w", err))
		}
		r.observe()
		r.originate()
		// A send error counts as a lost attempt, which the retry covers,
		// and is counted in Stats.SendErrors.
		_, _ = svc.Send()
	}
}

// originate hands queued payloads to SendData while the service's
// outbound queue holds fewer than originLimit messages, and releases
// their slots.
func (r *Runner) originate() {
	r.mu.Lock()
	r.woken = false // from here on a Publish wakes the loop again
	n := r.q.n
	r.mu.Unlock()
	if n == 0 {
		return
	}
	// Only the loop releases slots and publishers only fill the ones after
	// the last queued, so the first n stay as they are without the lock.
	queued, _ := r.svc.QueueLen()
	k := min(n, r.originLimit()-queued)
	if k <= 0 {
		return
	}
	for i := range k {
		if err := r.svc.SendData(r.q.at(i)); err != nil {
			r.lc.PublishDiscarded++ // not expected: sizes were checked, and the node is CONNECTED
		}
	}
	r.mu.Lock()
	r.q.pop(k)
	r.mu.Unlock()
}

// originLimit is the outbound queue's length below which the loop hands
// payloads to SendData: MaxOutboundMessages / (2 × the cluster's size),
// at least 1. Every node passes every payload on once, as one message
// held until its recipients acknowledge it, so each node's queue holds
// the payloads in flight from all the nodes. If each node originates
// only while its queue is under the limit, the nodes together keep at
// most half of any one queue busy. The other half is for rounds, member
// lists and what Receive reserves. Nothing is evicted, which would leave
// holes that anti-entropy fills only a round or a retry later, too late
// if the origin has meanwhile published 64 more payloads, the version
// vector's window.
func (r *Runner) originLimit() int {
	return max(1, r.cfg.MaxOutboundMessages/(2*(r.svc.NumMembers()+1)))
}

// observe publishes the service's state, and closes Ready on the first
// CONNECTED.
func (r *Runner) observe() {
	s := r.svc.State()
	if gossip.State(r.state.Load()) == s {
		return
	}
	r.state.Store(uint32(s))
	r.membersDirty = true // Leave clears the table without events
	if s == gossip.Connected && !r.readyClosed {
		r.readyClosed = true
		close(r.ready)
	}
}

// answerMembers copies the member table for the Members calls waiting
// for it, and releases them.
func (r *Runner) answerMembers() {
	r.mu.Lock()
	ready := r.membersReady
	r.membersReady = nil
	r.membersWanted.Store(false)
	r.mu.Unlock()
	r.publishMembers()
	if ready != nil {
		close(ready)
	}
}

// publishMembers makes the member table what Members returns, if it
// changed.
func (r *Runner) publishMembers() {
	if !r.membersDirty {
		return
	}
	r.membersDirty = false
	members := r.svc.Members()
	r.snapMu.Lock()
	r.members = members
	r.snapMu.Unlock()
}

// publishStats makes the counters what Stats returns, and releases the
// Stats calls waiting for them. The service's Stats is not free (it sums
// the data log), which is why the loop copies it only on request.
func (r *Runner) publishStats() {
	// Take the waiting calls first: a call that comes after this makes a
	// new request, answered next turn, so no call gets counters older
	// than itself.
	r.mu.Lock()
	ready := r.statsReady
	r.statsReady = nil
	r.statsWanted.Store(false)
	r.mu.Unlock()

	st := r.lc
	st.Stats = r.svc.Stats()
	st.Members = r.svc.NumMembers()
	r.snapMu.Lock()
	r.snap = st
	r.snapMu.Unlock()
	if ready != nil {
		close(ready)
	}
}

// onData is the service's OnData: a copy of the payload goes on
// Deliveries if there is room, else it is dropped and counted. Only the
// loop sends on the channel, so room seen here stays room.
func (r *Runner) onData(origin gossip.NodeID, seq uint32, payload []byte) {
	if len(r.deliveries) == cap(r.deliveries) {
		r.lc.DeliveriesDropped++
		return
	}
	r.deliveries <- Delivery{Origin: origin, Seq: seq, Payload: bytes.Clone(payload)}
	r.lc.Delivered++
}

// onMember is the service's OnMember: the event goes on Events if there is
// room, else it is dropped and counted.
func (r *Runner) onMember(ev gossip.MemberEvent) {
	r.membersDirty = true
	if len(r.events) == cap(r.events) {
		r.lc.EventsDropped++
		return
	}
	r.events <- ev
	r.lc.Events++
}

// shutdown ends the service: for a stop requested while CONNECTED (other
// than Close), it sends what is queued, leaves and flushes the Leaves.
// Then it discards what is still queued, takes the final snapshot and
// closes the service. cause is why the loop ended on its own, nil for a
// requested stop. It returns what Run returns, and records what Leave
// returns.
func (r *Runner) shutdown(ctx context.Context, cause error) error {
	svc := r.svc
	mode := r.stopping.Load()
	r.mu.Lock()
	r.q.close() // Publish returns ErrClosed from here on
	leaveCtx := r.leaveCtx
	r.mu.Unlock()

	state := svc.State()
	err, leaveErr := cause, cause
	switch {
	case cause != nil:
	case state != gossip.Connected:
		why := ErrClosed
		if mode == stopCancel {
			why = context.Cause(ctx)
		}
		err = fmt.Errorf("%w: stopped while %s: %w", ErrNotConnected, state, why)
		leaveErr = fmt.Errorf("%w: Leave in %s", ErrNotConnected, state)
	case mode == stopClose:
	default:
		r.originate() // first attempts of what was published before the stop
		_, _ = svc.Send()
		_ = svc.Leave() // CONNECTED: cannot fail
		r.observe()
		leaveErr = r.flush(mode, leaveCtx)
	}

	r.mu.Lock()
	discarded := r.q.n
	r.q.pop(discarded)
	r.mu.Unlock()
	r.lc.PublishDiscarded += uint64(discarded)
	r.publishMembers()
	r.publishStats() // the final counters
	_ = svc.Close()  // the loop's service, closed once
	r.observe()
	r.snapMu.Lock()
	r.leaveErr = leaveErr
	r.snapMu.Unlock()
	return err
}

// flush drives the service until every Leave is acknowledged or has
// used its attempts (GossipService.Leaving is 0: at most RetryAttempts ×
// ProbeTimeout), reading the Acks and waiting for the socket to be
// writable when its buffer is full. It gives up at Leave's context's end
// or deadline (a stop by Leave), after Options.LeaveTimeout otherwise, or
// when Close is called, and returns why.
func (r *Runner) flush(mode int32, leaveCtx context.Context) error {
	deadline := time.Now().Add(r.opts.LeaveTimeout)
	var cancelled <-chan struct{}
	if mode == stopLeave && leaveCtx != nil {
		if d, ok := leaveCtx.Deadline(); ok {
			deadline = d
		}
		cancelled = leaveCtx.Done()
	}
	for {
		wait := r.svc.Tick()
		_, _ = r.svc.Receive()
		_, _ = r.svc.Send()
		if r.svc.Leaving() == 0 {
			return nil
		}
		if r.stopping.Load() == stopClose {
			return fmt.Errorf("runner: leave interrupted by Close: %w", ErrClosed)
		}
		select {
		case <-cancelled:
			return fmt.Errorf("runner: leave: %w", leaveCtx.Err())
		default:
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("runner: leave: Leaves not all acknowledged: %w", context.DeadlineExceeded)
		}
		// Wait for the Acks (in), and for room in the send buffer when
		// something is due now (out), at most until the next retry.
		woken, err := r.wake.wait(min(left, max(wait, time.Millisecond)), true, wait == 0)
		if err != nil {
			return fmt.Errorf("runner: leave: poll: %w", err)
		}
		if woken {
			r.mu.Lock()
			r.woken = false
			r.mu.Unlock()
		}
	}
}
