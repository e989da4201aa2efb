package runner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// TestEightPublishersFiveNodes: eight goroutines publish at once into a
// five-node cluster over loopback UDP, each runner on its own goroutine.
// Every payload is delivered exactly once on every other node, and never
// on its own, with the publishing node as its origin.
func TestEightPublishersFiveNodes(t *testing.T) {
	t.Parallel()
	const nodes, publishers, each = 5, 8, 200
	c := startCluster(t, nodes, runner.Options{Deliveries: 1024}, nil)

	// Collectors read every runner's channels until Run closes them.
	want := make([]int, nodes) // payloads each node must deliver
	for g := range publishers {
		for i := range nodes {
			if i != g%nodes {
				want[i] += each
			}
		}
	}
	got := make([]map[string]int, nodes)
	joined := make([]map[gossip.NodeID]bool, nodes)
	complete := make([]chan struct{}, nodes)
	var collectors sync.WaitGroup
	for i, r := range c.runners {
		got[i], joined[i], complete[i] = map[string]int{}, map[gossip.NodeID]bool{}, make(chan struct{})
		collectors.Go(func() {
			for d := range r.Deliveries() {
				var g, k int
				if _, err := fmt.Sscanf(string(d.Payload), "g%d-%d", &g, &k); err != nil || d.Origin != c.runners[g%nodes].ID() {
					t.Errorf("node %d: payload %q from %v", i, d.Payload, d.Origin)
				}
				got[i][string(d.Payload)]++
				if len(got[i]) == want[i] {
					close(complete[i])
				}
			}
		})
		collectors.Go(func() {
			for ev := range r.Events() {
				if ev.Kind == gossip.MemberJoined {
					joined[i][ev.Member.ID] = true
				}
			}
		})
	}
	c.converged(t)

	start := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var pubs sync.WaitGroup
	for g := range publishers {
		r := c.runners[g%nodes]
		pubs.Go(func() {
			<-start
			for k := range each {
				if err := r.PublishWait(ctx, fmt.Appendf(nil, "g%d-%d", g, k)); err != nil {
					t.Errorf("publisher %d: %v", g, err)
					return
				}
			}
		})
	}
	began := time.Now()
	close(start)
	pubs.Wait()
	t.Cleanup(func() {
		if t.Failed() {
			for i, r := range c.runners {
				st := r.Stats()
				t.Logf("node %d: %v delivered %d dropped %d; queue %d messages, %d evicted, %d retries; %d skipped",
					i, r.State(), st.Delivered, st.DeliveriesDropped, st.QueueMessages, st.Evicted, st.Retries, st.DataSkipped)
			}
		}
	})
	for i := range nodes {
		within(t, 20*time.Second, fmt.Sprintf("node %d's %d deliveries", i, want[i]), complete[i])
	}
	t.Logf("%d payloads, %d deliveries in %v", publishers*each, publishers*each*(nodes-1), time.Since(began))

	for i, err := range c.stop(t) {
		if err != nil {
			t.Errorf("Run %d: %v", i, err)
		}
	}
	collectors.Wait() // the channels are closed: everything delivered is counted
	for i, r := range c.runners {
		for p, n := range got[i] {
			if n != 1 {
				t.Errorf("node %d: %q delivered %d times", i, p, n)
			}
		}
		if len(got[i]) != want[i] {
			t.Errorf("node %d: %d payloads, want %d", i, len(got[i]), want[i])
		}
		st := r.Stats()
		if st.DeliveriesDropped != 0 || st.Delivered != uint64(want[i]) || st.PublishDiscarded != 0 {
			t.Errorf("node %d: delivered %d, dropped %d, discarded %d", i, st.Delivered, st.DeliveriesDropped, st.PublishDiscarded)
		}
		if st.Evicted != 0 {
			t.Errorf("node %d: %d messages evicted: the origination limit did not hold the burst", i, st.Evicted)
		}
		if len(joined[i]) != nodes-1 || joined[i][r.ID()] {
			t.Errorf("node %d: joined events for %d members", i, len(joined[i]))
		}
		if st.Events+st.EventsDropped != st.MembersAdded+st.MembersLeft+st.MembersFailed+st.MembersReplaced {
			t.Errorf("node %d: events %d + dropped %d do not add up to the member changes", i, st.Events, st.EventsDropped)
		}
		if r.State() != gossip.Destroyed {
			t.Errorf("node %d: state %v after Run", i, r.State())
		}
	}
}
