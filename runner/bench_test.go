package runner_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickgossip/gossip/runner"
)

// BenchmarkPublishToDelivery measures throughput across a five-node
// cluster on loopback UDP, each runner on its own goroutine: one op is one
// 64-byte payload published (one publisher goroutine per node, PublishWait)
// and delivered on the four other nodes. It reports payloads/s and
// deliveries/s from the first Publish to the last delivery, and allocs/op
// counts every allocation in the process per payload: five loops, the
// publishers and the readers. datagrams/op is what one payload costs the
// cluster on the wire, Data and Acks, rounds included. Compare with
// BenchmarkDataDatagram in the gossip package: one datagram through one
// service, without sockets.
func BenchmarkPublishToDelivery(b *testing.B) {
	const nodes = 5
	c := startCluster(b, nodes, runner.Options{Deliveries: 4096}, nil)
	c.converged(b)
	want := int64(b.N) * (nodes - 1)
	var delivered atomic.Int64
	all := make(chan struct{})
	for _, r := range c.runners {
		go func() {
			for range r.Deliveries() {
				if delivered.Add(1) == want {
					close(all)
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	payload := make([]byte, 64)

	datagrams := func() (n uint64) {
		for _, r := range c.runners {
			n += r.Stats().DatagramsOut
		}
		return n
	}
	sentBefore := datagrams()

	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	var pubs sync.WaitGroup
	for i, r := range c.runners {
		share := b.N / nodes
		if i == 0 {
			share += b.N % nodes
		}
		pubs.Go(func() {
			p := append([]byte(nil), payload...) // each publisher reuses its own buffer
			for k := range share {
				p[0], p[1], p[2] = byte(k), byte(k>>8), byte(k>>16)
				if err := r.PublishWait(ctx, p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	pubs.Wait()
	select {
	case <-all:
	case <-ctx.Done():
		var dropped, evicted uint64
		for _, r := range c.runners {
			dropped += r.Stats().DeliveriesDropped
			evicted += r.Stats().Evicted
		}
		b.Fatalf("%d of %d deliveries (%d dropped, %d evicted)", delivered.Load(), want, dropped, evicted)
	}
	elapsed := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "payloads/s")
	b.ReportMetric(float64(want)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(datagrams()-sentBefore)/float64(b.N), "datagrams/op")
	c.stop(b)
}
