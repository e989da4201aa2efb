//go:build unix

package gossip_test

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// Example runs a seed and a node on loopback in one poll loop: the node
// joins through the seed and spreads a payload, which the seed delivers.
func Example() {
	got := make(chan string, 1)

	seedCfg := gossip.DefaultConfig() // binds 127.0.0.1 on a free port
	seedCfg.OnData = func(origin gossip.NodeID, seq uint32, payload []byte) {
		got <- string(payload) // copy: payload is only valid during the call
	}
	seed, err := gossip.New(seedCfg)
	if err != nil {
		panic(err)
	}
	defer seed.Close()
	seed.Join() // no seeds: the first node of a cluster

	node, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer node.Close()
	node.Join(seed.Addr())

	sent := false
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		wait := min(seed.Tick(), node.Tick())
		fds := []unix.PollFd{
			{Fd: int32(seed.FD()), Events: unix.POLLIN},
			{Fd: int32(node.FD()), Events: unix.POLLIN},
		}
		ms := int((max(wait, 0) + time.Millisecond - 1) / time.Millisecond) // round up: no busy poll
		unix.Poll(fds, ms)
		for _, s := range []*gossip.GossipService{seed, node} {
			s.Receive()
			s.Send()
		}
		if node.State() == gossip.Connected && !sent {
			node.SendData([]byte("hello, cluster"))
			sent = true
		}
		select {
		case p := <-got:
			fmt.Println("seed received:", p)
			fmt.Println("seed knows", seed.NumMembers(), "member")
			return
		default:
		}
	}
	fmt.Println("timed out")
	// Output:
	// seed received: hello, cluster
	// seed knows 1 member
}
