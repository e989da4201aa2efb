package runner_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// SetMeta from several goroutines at once, while the loop runs: each call
// returns once the loop applied it, the node's metadata ends as one of
// them, and the other node sees it as a MemberUpdated event.
func TestSetMetaFromAnyGoroutineReachesTheOthers(t *testing.T) {
	c := startCluster(t, 2, runner.Options{}, func(i int, cfg *gossip.Config, _ *runner.Options) {
		cfg.Meta = []byte("start")
	})
	a, b := c.runners[0], c.runners[1]
	eventually(t, 5*time.Second, "b knows a", func() bool { return len(b.Members()) == 1 })
	var wg sync.WaitGroup
	for _, v := range []string{"x", "y", "z"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.SetMeta([]byte(v)); err != nil {
				t.Errorf("SetMeta(%q): %v", v, err)
			}
		}()
	}
	wg.Wait()
	if err := a.SetMeta([]byte("final")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "b sees a's last metadata", func() bool {
		ms := b.Members()
		return len(ms) == 1 && string(ms[0].Meta) == "final"
	})
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-b.Events():
			if ev.Kind == gossip.MemberUpdated && ev.Member.ID == a.ID() && string(ev.Member.Meta) == "final" {
				return
			}
		case <-timeout:
			t.Fatal("no MemberUpdated event with the last metadata on b's Events")
		}
	}
}

func TestSetMetaErrors(t *testing.T) {
	cfg := testConfig()
	r, err := runner.New(cfg, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetMeta(bytes.Repeat([]byte("m"), cfg.MaxMetaSize+1)); !errors.Is(err, gossip.ErrMetaTooLarge) {
		t.Fatalf("too large: %v, want ErrMetaTooLarge", err)
	}
	if err := r.SetMeta([]byte("before run")); err != nil {
		t.Fatalf("before Run: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.SetMeta([]byte("after")); !errors.Is(err, runner.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}
