package runner_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// TestNoGoroutineLeftBehind: once Run has returned, by each of the three
// ways to stop it, the process has no more goroutines than before the
// runners were created. Not parallel: it counts the process's goroutines.
func TestNoGoroutineLeftBehind(t *testing.T) {
	for _, how := range []string{"cancel", "Leave", "Close"} {
		t.Run(how, func(t *testing.T) {
			before := runtime.NumGoroutine()
			c := startCluster(t, 3, runner.Options{}, nil)
			readers := make(chan int, len(c.runners))
			for _, r := range c.runners {
				go func() {
					n := 0
					for range r.Deliveries() {
						n++
					}
					readers <- n // Deliveries was closed
				}()
			}
			c.converged(t)
			if err := c.runners[1].Publish([]byte("one payload")); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "delivery", func() bool {
				return c.runners[0].Stats().Delivered == 1 && c.runners[2].Stats().Delivered == 1
			})

			switch how {
			case "cancel":
				c.cancel()
			case "Leave":
				for i, r := range c.runners {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					if err := r.Leave(ctx); err != nil {
						t.Errorf("Leave %d: %v", i, err)
					}
					cancel()
				}
			case "Close":
				for i, r := range c.runners {
					if err := r.Close(); err != nil {
						t.Errorf("Close %d: %v", i, err)
					}
				}
			}
			for i, errc := range c.errs {
				if err := within(t, 5*time.Second, "Run to return", errc); err != nil {
					t.Errorf("Run %d: %v", i, err)
				}
			}
			for range c.runners {
				within(t, 5*time.Second, "readers to see Deliveries closed", readers)
			}
			for _, r := range c.runners {
				for range r.Events() { // buffered events, then closed
				}
			}
			eventually(t, 5*time.Second, "goroutines back to the count before", func() bool {
				return runtime.NumGoroutine() <= before
			})
		})
	}
}

// TestCancelWhileJoining: a seed that never answers keeps the node
// JOINING; cancelling the context makes Run return at once (not after the
// join's 30 s of retries) with an error that says why.
func TestCancelWhileJoining(t *testing.T) {
	t.Parallel()
	r, err := runner.New(gossip.DefaultConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{silentSeed(t)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	eventually(t, 5*time.Second, "JOINING", func() bool { return r.State() == gossip.Joining })
	if err := r.Publish([]byte("too early")); !errors.Is(err, runner.ErrNotConnected) {
		t.Errorf("Publish while joining: %v, want ErrNotConnected", err)
	}

	began := time.Now()
	cancel()
	err = within(t, 500*time.Millisecond, "Run to return after the cancel", errc)
	t.Logf("Run returned %v after the cancel: %v", time.Since(began), err)
	if !errors.Is(err, runner.ErrNotConnected) || !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v, want ErrNotConnected and context.Canceled", err)
	}
	select {
	case <-r.Ready():
		t.Error("Ready closed, though the node never connected")
	case <-r.Done():
	}
	if _, open := <-r.Deliveries(); open {
		t.Error("Deliveries still open")
	}
	if err := r.Publish([]byte("too late")); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Publish after Run: %v, want ErrClosed", err)
	}
	if r.State() != gossip.Destroyed {
		t.Errorf("state %v after Run", r.State())
	}
}

// TestJoinFailed: when no seed answers, Run gives up after the Hello's
// attempts and returns gossip.ErrJoinFailed.
func TestJoinFailed(t *testing.T) {
	t.Parallel()
	cfg := gossip.DefaultConfig()
	cfg.RetryInterval, cfg.RetryAttempts = 50*time.Millisecond, 2
	r, err := runner.New(cfg, runner.Options{Seeds: []multiaddr.Multiaddr{silentSeed(t)}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- r.Run(context.Background()) }()
	if err := within(t, 5*time.Second, "Run to give up", errc); !errors.Is(err, gossip.ErrJoinFailed) {
		t.Errorf("Run: %v, want ErrJoinFailed", err)
	}
	if err := r.Close(); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Close after Run: %v, want ErrClosed", err)
	}
}

// TestBadSeed: a seed that is not a UDP address fails Run at once.
func TestBadSeed(t *testing.T) {
	t.Parallel()
	r, err := runner.New(testConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/80")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); !errors.Is(err, gossip.ErrNotUDP) || !errors.Is(err, gossip.ErrInvalidAddress) {
		t.Errorf("Run: %v, want ErrNotUDP", err)
	}
}

// TestNewRejects: the runner's own options, callbacks that the runner
// must own, and the service's config errors.
func TestNewRejects(t *testing.T) {
	t.Parallel()
	withData := testConfig()
	withData.OnData = func(gossip.NodeID, uint32, []byte) {}
	withMember := testConfig()
	withMember.OnMember = func(gossip.MemberEvent) {}
	badCore := testConfig()
	badCore.RumorFactor = 0
	for name, tc := range map[string]struct {
		cfg  gossip.Config
		opts runner.Options
	}{
		"OnData":       {withData, runner.Options{}},
		"OnMember":     {withMember, runner.Options{}},
		"Deliveries":   {testConfig(), runner.Options{Deliveries: -1}},
		"Events":       {testConfig(), runner.Options{Events: -1}},
		"PublishQueue": {testConfig(), runner.Options{PublishQueue: -1}},
		"LeaveTimeout": {testConfig(), runner.Options{LeaveTimeout: -time.Second}},
		"RumorFactor":  {badCore, runner.Options{}},
	} {
		if _, err := runner.New(tc.cfg, tc.opts); !errors.Is(err, gossip.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestStopBeforeRun: Close or Leave before Run releases everything, and
// Run then refuses to start. Run twice is refused too.
func TestStopBeforeRun(t *testing.T) {
	t.Parallel()
	r, err := runner.New(testConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Publish([]byte("x")); !errors.Is(err, runner.ErrNotConnected) {
		t.Errorf("Publish before Run: %v, want ErrNotConnected", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	<-r.Done()
	if _, open := <-r.Deliveries(); open {
		t.Error("Deliveries open after Close")
	}
	if err := r.Run(context.Background()); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
	if err := r.Close(); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	if err := r.Leave(context.Background()); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Leave after Close: %v, want ErrClosed", err)
	}
	if err := r.Publish([]byte("x")); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if r.State() != gossip.Destroyed {
		t.Errorf("state %v after Close", r.State())
	}

	r, err = runner.New(testConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Leave(context.Background()); !errors.Is(err, runner.ErrNotConnected) {
		t.Errorf("Leave before Run: %v, want ErrNotConnected", err)
	}
	if err := r.Run(context.Background()); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Run after Leave: %v, want ErrClosed", err)
	}

	r, err = runner.New(testConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- r.Run(context.Background()) }()
	within(t, 5*time.Second, "Ready", r.Ready())
	if err := r.Run(context.Background()); !errors.Is(err, runner.ErrStarted) {
		t.Errorf("second Run: %v, want ErrStarted", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := within(t, 5*time.Second, "Run to return", errc); err != nil {
		t.Errorf("Run stopped by Close while CONNECTED: %v", err)
	}
}

// TestLeaveTellsTheCluster: Leave says goodbye, so the others remove the
// node at once, as left rather than failed.
func TestLeaveTellsTheCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, runner.Options{}, nil)
	c.converged(t)
	leaver := c.runners[2]
	left := make(chan gossip.NodeID, 1)
	go func() {
		for ev := range c.runners[0].Events() {
			if ev.Kind == gossip.MemberLeft {
				left <- ev.Member.ID
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := leaver.Leave(ctx); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	if err := within(t, time.Second, "Run to return", c.errs[2]); err != nil {
		t.Errorf("Run after Leave: %v", err)
	}
	if id := within(t, time.Second, "a left event", left); id != leaver.ID() {
		t.Errorf("left: %v, want %v", id, leaver.ID())
	}
	eventually(t, time.Second, "both others to drop the leaver", func() bool {
		return len(c.runners[0].Members()) == 1 && len(c.runners[1].Members()) == 1
	})
	if st := c.runners[1].Stats(); st.MembersLeft != 1 || st.MembersFailed != 0 {
		t.Errorf("runner 1: %d left, %d failed", st.MembersLeft, st.MembersFailed)
	}
	if err := leaver.Leave(ctx); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("second Leave: %v, want ErrClosed", err)
	}
	if len(leaver.Members()) != 0 {
		t.Errorf("the leaver still lists %d members", len(leaver.Members()))
	}
}

// TestIdleRunnerSleeps: an idle two-node cluster turns its loops a few
// times per TickInterval (the round, the Status and its Ack), not
// thousands of times as a busy loop or a polling interval would, and
// nothing wakes them but the test's own Stats calls.
func TestIdleRunnerSleeps(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, runner.Options{}, nil)
	c.converged(t)
	began := time.Now()
	before := []runner.Stats{c.runners[0].Stats(), c.runners[1].Stats()}
	<-time.After(500 * time.Millisecond) // five rounds of testConfig's TickInterval
	after := []runner.Stats{c.runners[0].Stats(), c.runners[1].Stats()}
	idle := time.Since(began)
	rounds := uint64(idle/testConfig().TickInterval) + 1
	for i := range c.runners {
		turns, wakeups := after[i].Turns-before[i].Turns, after[i].Wakeups-before[i].Wakeups
		t.Logf("runner %d: %d turns, %d wake-ups, %d datagrams in, %d out in %v", i, turns, wakeups,
			after[i].DatagramsIn-before[i].DatagramsIn, after[i].DatagramsOut-before[i].DatagramsOut, idle)
		// A few turns a round (its Status, the Ack, the other node's
		// Status); a busy loop would make thousands. Stats wakes the
		// loop: the calls before and after the wait may count.
		if turns > 8*rounds || wakeups > 2 {
			t.Errorf("runner %d: %d turns and %d wake-ups in %v idle", i, turns, wakeups, idle)
		}
	}
}

// TestLeaveWithEndedContext: Leave returns its context's error when the
// context ends first, and the runner stops all the same.
func TestLeaveWithEndedContext(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, runner.Options{}, nil)
	c.converged(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.runners[1].Leave(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Leave: %v, want context.Canceled", err)
	}
	if err := within(t, time.Second, "Run to return", c.errs[1]); err != nil {
		t.Errorf("Run: %v", err)
	}
}
