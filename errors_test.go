package gossip_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// TestAddressErrorsHaveOnePrefix: an address error reads as one sentence
// with one "gossip:" prefix, names the address, and still matches its
// sentinels with errors.Is.
func TestAddressErrorsHaveOnePrefix(t *testing.T) {
	cfg := gossip.DefaultConfig()
	cfg.Addr = multiaddr.StringCast("/ip4/127.0.0.1/tcp/8080")
	_, err := gossip.New(cfg)
	if !errors.Is(err, gossip.ErrNotUDP) || !errors.Is(err, gossip.ErrInvalidAddress) {
		t.Fatalf("New with a TCP address: %v, want ErrNotUDP and ErrInvalidAddress", err)
	}
	msg := err.Error()
	if n := strings.Count(msg, "gossip:"); n != 1 || strings.Contains(msg, "udp: ") {
		t.Errorf("error %q: want one gossip: prefix and no inner package prefix", msg)
	}
	if !strings.Contains(msg, "/ip4/127.0.0.1/tcp/8080") || !strings.Contains(msg, "not a UDP address") {
		t.Errorf("error %q does not name the address and the reason", msg)
	}

	svc, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	err = svc.Join(multiaddr.StringCast("/ip4/127.0.0.1/tcp/1"))
	if !errors.Is(err, gossip.ErrNotUDP) || strings.Count(err.Error(), "gossip:") != 1 {
		t.Errorf("Join with a TCP seed: %v, want ErrNotUDP with one prefix", err)
	}
	if svc.State() != gossip.Initialized {
		t.Errorf("state %s after a bad seed, want INITIALIZED", svc.State())
	}
}

// TestKeyIDIsItsOwnType: KeyID prints as hex and is a type of this
// package, so its documentation shows.
func TestKeyIDIsItsOwnType(t *testing.T) {
	if got := gossip.KeyID(0x0b).String(); got != "0b" {
		t.Errorf("KeyID(0x0b).String() = %q, want 0b", got)
	}
}
