//go:build !unix

package democli

import (
	"time"

	"github.com/tickgossip/gossip"
)

// waitSys is empty: without poll a Waiter sleeps in the service's Wait.
type waitSys struct{}

func (*waitSys) init([]*gossip.GossipService) {}

func (w *Waiter) wait(d time.Duration, out bool) error { return w.waitPortable(d, out) }
