package democli

import (
	"errors"
	"syscall"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// ExplainNew turns an error from gossip.New into one line that names the
// flag at fault. Every New error is the input's: exit status 2.
func ExplainNew(addr multiaddr.Multiaddr, err error) error {
	switch {
	case errors.Is(err, gossip.ErrNotUDP):
		return BadInputf("-addr %s is not a UDP address: want /ip4/A/udp/P or /ip6/A/udp/P", addr)
	case errors.Is(err, syscall.EADDRINUSE):
		return BadInputf("-addr %s: address already in use", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return BadInputf("-addr %s: no such local address", addr)
	case errors.Is(err, syscall.EACCES):
		return BadInputf("-addr %s: permission denied", addr)
	}
	return BadInput(err)
}

// JoinFailure says in words why a join failed (err wraps
// gossip.ErrJoinFailed): what the seeds' answers were when they came but
// could not be read ("3 datagrams from the seed did not open under our
// keys"), else that no seed answered.
func JoinFailure(err error) string {
	var je *gossip.JoinError
	if errors.As(err, &je) {
		return je.Detail
	}
	return "no seed answered"
}
