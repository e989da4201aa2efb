package runner_test

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// TestSlowReaderDropsAndCounts: a node whose Deliveries nobody reads
// keeps its memory flat while thousands of payloads arrive. It keeps the
// first Options.Deliveries of them, in order, and drops and counts the
// rest; once read, deliveries flow again. Not parallel: it measures the
// heap.
func TestSlowReaderDropsAndCounts(t *testing.T) {
	const buffer, n, size = 16, 10000, 400 // 4 MB of payloads if they were all kept
	c := startCluster(t, 2, runner.Options{}, func(i int, _ *gossip.Config, o *runner.Options) {
		if i == 1 {
			o.Deliveries = buffer
		}
	})
	c.converged(t)
	pub, slow := c.runners[0], c.runners[1]
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	payload := make([]byte, size)
	began := time.Now()
	for i := range n {
		binary.BigEndian.PutUint32(payload, uint32(i))
		if err := pub.PublishWait(ctx, payload); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	eventually(t, 20*time.Second, "the slow node's service to see every payload", func() bool {
		return slow.Stats().DataDelivered == n
	})
	growth := int64(heap()) - int64(before)
	st := slow.Stats()
	t.Logf("%d payloads of %d bytes in %v; heap grew %d bytes; %d delivered, %d dropped",
		n, size, time.Since(began), growth, st.Delivered, st.DeliveriesDropped)
	if growth > 1<<20 {
		t.Errorf("heap grew %d bytes with a reader that never reads", growth)
	}
	if st.Delivered != buffer || st.DeliveriesDropped != n-buffer || len(slow.Deliveries()) != buffer {
		t.Errorf("delivered %d, dropped %d, %d waiting; want %d, %d, %d",
			st.Delivered, st.DeliveriesDropped, len(slow.Deliveries()), buffer, n-buffer, buffer)
	}
	if st.Evicted != 0 || pub.Stats().Evicted != 0 {
		t.Errorf("evicted %d and %d messages", st.Evicted, pub.Stats().Evicted)
	}

	// Drop-newest: the channel holds the first payloads, in order.
	for i := range buffer {
		d := <-slow.Deliveries()
		if got := binary.BigEndian.Uint32(d.Payload); got != uint32(i) || d.Origin != pub.ID() || d.Seq != uint32(i+1) {
			t.Fatalf("waiting delivery %d: payload %d seq %d from %v", i, got, d.Seq, d.Origin)
		}
	}
	// Read, the channel takes payloads again.
	binary.BigEndian.PutUint32(payload, n)
	if err := pub.Publish(payload); err != nil {
		t.Fatal(err)
	}
	d := within(t, 5*time.Second, "a delivery after the reader caught up", slow.Deliveries())
	if got := binary.BigEndian.Uint32(d.Payload); got != n {
		t.Errorf("delivery after catching up: payload %d, want %d", got, n)
	}
}

// TestPublishErrors: every error Publish documents. The queue is filled
// by stopping the only other member abruptly: the payloads sent to it
// wait for Acks that never come (for 3 × 10 s), so the runner stops
// handing payloads to the service, and its publish queue fills.
func TestPublishErrors(t *testing.T) {
	t.Parallel()
	const slots = 8
	c := startCluster(t, 2, runner.Options{PublishQueue: slots}, func(_ int, cfg *gossip.Config, _ *runner.Options) {
		cfg.RetryInterval = 10 * time.Second
	})
	c.converged(t)
	a, b := c.runners[0], c.runners[1]

	if err := a.Publish(nil); !errors.Is(err, gossip.ErrEmptyPayload) {
		t.Errorf("empty: %v, want ErrEmptyPayload", err)
	}
	if err := a.Publish(make([]byte, a.MaxPayload()+1)); !errors.Is(err, gossip.ErrPayloadTooLarge) {
		t.Errorf("MaxPayload+1: %v, want ErrPayloadTooLarge", err)
	}
	if err := a.Publish(make([]byte, a.MaxPayload())); err != nil {
		t.Errorf("MaxPayload: %v", err)
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// Publish until the queue is full and the loop can take no more: the
	// service's queue is at the runner's limit, 100 / (2 × 2 nodes).
	const limit = 25
	payload := []byte("to a member that is gone")
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatalf("no ErrQueueFull after %d payloads: %+v", i, a.Stats())
		}
		err := a.Publish(payload)
		if err == nil {
			continue
		}
		if !errors.Is(err, runner.ErrQueueFull) {
			t.Fatalf("Publish: %v", err)
		}
		if st := a.Stats(); st.PublishQueued == slots && st.QueueMessages >= limit {
			break
		}
		// The loop has not caught up yet: wait until it makes room.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = a.PublishWait(ctx, payload)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("PublishWait: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.PublishWait(ctx, payload); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("PublishWait on a full queue: %v, want DeadlineExceeded", err)
	}
	if st := a.Stats(); st.QueueFull == 0 || st.PublishQueued != slots || st.Evicted != 0 {
		t.Errorf("QueueFull %d, PublishQueued %d, Evicted %d", st.QueueFull, st.PublishQueued, st.Evicted)
	}

	errs := c.stop(t)
	if errs[0] != nil {
		t.Errorf("Run: %v", errs[0])
	}
	if st := a.Stats(); st.PublishDiscarded != slots || st.PublishQueued != 0 {
		t.Errorf("after Run: %d discarded, %d queued; want %d, 0", st.PublishDiscarded, st.PublishQueued, slots)
	}
	if err := a.Publish(payload); !errors.Is(err, runner.ErrClosed) {
		t.Errorf("Publish after Run: %v, want ErrClosed", err)
	}
}
