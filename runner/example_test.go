package runner_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// Example runs a two-node cluster on loopback, each node on a goroutine
// of its own: the second joins through the first and publishes a payload,
// which the first delivers. Cancelling the context makes both leave,
// close their sockets and close their channels.
func Example() {
	seed, err := runner.New(gossip.DefaultConfig(), runner.Options{}) // binds 127.0.0.1 on a free port
	if err != nil {
		panic(err)
	}
	node, err := runner.New(gossip.DefaultConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{seed.Addr()}})
	if err != nil {
		panic(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range []*runner.Runner{seed, node} {
		wg.Go(func() {
			if err := r.Run(ctx); err != nil {
				panic(err)
			}
		})
	}

	if err := node.WaitReady(ctx); err != nil { // CONNECTED, or why not (no seed answered, ...)
		panic(err)
	}
	if err := node.Publish([]byte("hello, cluster")); err != nil {
		panic(err)
	}
	ev := <-seed.Events()
	fmt.Println("seed:", ev.Kind, ev.Member.ID == node.ID())
	d := <-seed.Deliveries()
	fmt.Printf("seed: %q from the node: %v\n", d.Payload, d.Origin == node.ID())

	cancel() // both leave, flush, close
	wg.Wait()
	_, open := <-seed.Deliveries()
	fmt.Println("deliveries open:", open, "state:", seed.State())
	// Output:
	// seed: joined true
	// seed: "hello, cluster" from the node: true
	// deliveries open: false state: DESTROYED
}
