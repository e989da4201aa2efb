//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/multiformats/go-multiaddr"
	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip"
)

// measureService drives one service with the documented loop: it waits
// for the flooder's members to join, then for the parent's go, warms up
// and measures.
func measureService(o options) (result, error) {
	cfg := gossip.DefaultConfig() // /ip4/127.0.0.1/udp/0
	cfg.MaxOutboundMessages = o.queue
	var delivered uint64
	cfg.OnData = func(gossip.NodeID, uint32, []byte) { delivered++ }
	svc, err := gossip.New(cfg)
	if err != nil {
		return result{}, err
	}
	defer svc.Close()
	if err := svc.Join(); err != nil {
		return result{}, err
	}
	fmt.Printf("addr %s\n", addrOf(svc))

	fds := []unix.PollFd{{Fd: int32(svc.FD()), Events: unix.POLLIN}}
	turn := func(limit time.Duration) {
		wait := min(svc.Tick(), limit)
		if _, err := unix.Poll(fds, millis(wait)); err != nil && err != unix.EINTR {
			fail(err)
		}
		if _, err := svc.Receive(); err != nil {
			fail(err)
		}
		_, _ = svc.Send() // a send error is a lost attempt, counted in Stats
	}
	joinBy := time.Now().Add(10 * time.Second)
	for svc.NumMembers() < members {
		if time.Now().After(joinBy) {
			return result{}, fmt.Errorf("%d of %d members joined", svc.NumMembers(), members)
		}
		turn(10 * time.Millisecond)
	}
	fmt.Println("joined")
	for started := waitForGo(); !started(); {
		turn(10 * time.Millisecond)
	}
	for end := time.Now().Add(o.warmup); time.Now().Before(end); {
		turn(time.Second)
	}

	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	st0, d0, m0 := svc.Stats(), delivered, measure()
	for end := m0.t.Add(o.duration); time.Now().Before(end); {
		turn(time.Second)
	}
	m1, st1 := measure(), svc.Stats()
	r := result{Mode: "service", In: st1.DatagramsIn - st0.DatagramsIn, Out: st1.DatagramsOut - st0.DatagramsOut, Payloads: delivered - d0}
	m0.into(&r, m1)
	if n := svc.NumMembers(); n != members {
		return r, fmt.Errorf("the service lost members during the flood: %d of %d left (raise -queue, or lower -window)", n, members)
	}
	return r, nil
}

// addrOf is the service's address as host:port.
func addrOf(svc *gossip.GossipService) string {
	ip, _ := svc.Addr().ValueForProtocol(multiaddr.P_IP4)
	port, _ := svc.Addr().ValueForProtocol(multiaddr.P_UDP)
	return ip + ":" + port
}
