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

// TestWaitReadyReturnsTheFailedJoin: when no seed answers, a caller
// waiting for the node to connect is released with Run's error, and
// once Run has returned no goroutine of the runner is left. Not
// parallel: it counts the process's goroutines.
func TestWaitReadyReturnsTheFailedJoin(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := gossip.DefaultConfig()
	cfg.RetryInterval, cfg.RetryAttempts = 20*time.Millisecond, 2
	r, err := runner.New(cfg, runner.Options{Seeds: []multiaddr.Multiaddr{silentSeed(t)}})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(context.Background()) // its error comes back through WaitReady

	waited := make(chan error, 1)
	go func() { waited <- r.WaitReady(context.Background()) }()
	err = within(t, 5*time.Second, "WaitReady to return after the failed join", waited)
	if !errors.Is(err, gossip.ErrJoinFailed) {
		t.Fatalf("WaitReady: %v, want ErrJoinFailed", err)
	}
	if !errors.Is(r.Err(), gossip.ErrJoinFailed) {
		t.Errorf("Err: %v, want ErrJoinFailed", r.Err())
	}
	select {
	case <-r.Ready():
		t.Error("Ready closed, though the node never connected")
	case <-r.Done():
	}
	if r.State() != gossip.Destroyed {
		t.Errorf("state %v after the failed join, want DESTROYED", r.State())
	}
	eventually(t, 5*time.Second, "goroutines back to the count before", func() bool {
		return runtime.NumGoroutine() <= before
	})
}

// TestWaitReadyAfterClose: Close before or during the join releases
// WaitReady with ErrClosed or ErrNotConnected, and WaitReady on a node
// that connected and stopped since still returns nil.
func TestWaitReadyAfterClose(t *testing.T) {
	t.Parallel()
	r, err := runner.New(testConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := r.WaitReady(context.Background()); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("WaitReady after Close before Run: %v, want ErrClosed", err)
	}

	j, err := runner.New(testConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{silentSeed(t)}})
	if err != nil {
		t.Fatal(err)
	}
	go j.Run(context.Background())
	eventually(t, 5*time.Second, "JOINING", func() bool { return j.State() == gossip.Joining })
	j.Close()
	if err := j.WaitReady(context.Background()); !errors.Is(err, runner.ErrNotConnected) {
		t.Errorf("WaitReady after Close while joining: %v, want ErrNotConnected", err)
	}

	c := startCluster(t, 1, runner.Options{}, nil)
	if err := c.runners[0].WaitReady(context.Background()); err != nil {
		t.Fatalf("WaitReady on a new cluster: %v", err)
	}
	c.stop(t)
	if err := c.runners[0].WaitReady(context.Background()); err != nil {
		t.Errorf("WaitReady after a connected node stopped: %v, want nil", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k, err := runner.New(testConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{silentSeed(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.WaitReady(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitReady with an ended context: %v, want context.Canceled", err)
	}
}
