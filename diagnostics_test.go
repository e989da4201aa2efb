package gossip_test

import (
	"errors"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// TestJoinWithASeedOfTheOtherFamilyFails: a node bound to ::1 given an
// IPv4 seed (or bound to 127.0.0.1 given an IPv6 one) could never reach
// it, the socket being single-family (an IPv6 socket is IPv6-only); Join
// says so at once, with ErrAddressFamily, and changes nothing, instead of
// waiting out the Hellos and reporting that no seed answered. An
// IPv4-mapped IPv6 seed is taken as the IPv4 address it maps.
func TestJoinWithASeedOfTheOtherFamilyFails(t *testing.T) {
	for _, tc := range []struct{ bind, seed string }{
		{"/ip6/::1/udp/0", "/ip4/127.0.0.1/udp/7070"},
		{"/ip4/127.0.0.1/udp/0", "/ip6/::1/udp/7070"},
	} {
		cfg := gossip.DefaultConfig()
		cfg.Addr = multiaddr.StringCast(tc.bind)
		s, err := gossip.New(cfg)
		if err != nil {
			t.Skipf("bind %s: %v", tc.bind, err) // no IPv6 on this machine
		}
		err = s.Join(multiaddr.StringCast(tc.seed))
		if !errors.Is(err, gossip.ErrAddressFamily) || s.State() != gossip.Initialized {
			t.Errorf("bound to %s, Join(%s) = %v, state %v; want ErrAddressFamily, INITIALIZED", tc.bind, tc.seed, err, s.State())
		}
		t.Logf("%s, Join(%s): %v", tc.bind, tc.seed, err)
		s.Close()
	}
	cfg := gossip.DefaultConfig()
	s, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Join(multiaddr.StringCast("/ip6/::ffff:127.0.0.1/udp/7070")); err != nil || s.State() != gossip.Joining {
		t.Fatalf("IPv4 node, IPv4-mapped seed: %v, %v", err, s.State())
	}
}
