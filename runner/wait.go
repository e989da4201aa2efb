package runner

import (
	"time"

	"github.com/tickgossip/gossip"
)

// waitOn is the loop's sleep on a transport that is waited on rather than
// polled (the portable one, Windows' default): the service's Wait, which
// a datagram, the timeout or the service's Wake ends. Wait cannot wait
// for the socket to become writable: a wait for that alone (in false)
// sleeps at most a millisecond, and a send buffer still full makes the
// next Send try again.
func waitOn(svc *gossip.GossipService, d time.Duration, in bool) error {
	if !in {
		d = min(d, time.Millisecond)
	}
	return svc.Wait(d)
}
