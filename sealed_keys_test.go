package gossip_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// TestServiceWithoutKeysHasNoSealing: without Config.Keys nothing is sealed
// or opened (the existing tests show the rest behaves as before), KeyIDs
// is nil and the key calls return ErrNoKeys.
func TestServiceWithoutKeysHasNoSealing(t *testing.T) {
	c := startCluster(t, 3, nil)
	for i, n := range c.nodes {
		if err := n.svc.SendData([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c.run(2 * time.Second)
	k := testKey("k1")
	for i, n := range c.nodes {
		if len(n.got) != 2 {
			t.Fatalf("node %d got %d payloads, want 2", i, len(n.got))
		}
		if s := n.svc.Stats().Sealing; s != (gossip.SealStats{}) {
			t.Errorf("node %d: Stats.Sealing = %+v, want zero", i, s)
		}
		if ids := n.svc.KeyIDs(); ids != nil {
			t.Errorf("node %d: KeyIDs() = %v, want nil", i, ids)
		}
		for name, err := range map[string]error{"AddKey": n.svc.AddKey(k), "UseKey": n.svc.UseKey(k), "RemoveKey": n.svc.RemoveKey(k)} {
			if !errors.Is(err, gossip.ErrNoKeys) {
				t.Errorf("node %d: %s = %v, want ErrNoKeys", i, name, err)
			}
		}
		if n.svc.MaxPayload() != gossip.DefaultConfig().MaxMessageSize-message.DataOverhead {
			t.Errorf("node %d: MaxPayload %d", i, n.svc.MaxPayload())
		}
	}
}

// newKeyedService returns a service over an in-memory transport with keys.
func newKeyedService(t *testing.T, keys ...[]byte) *gossip.GossipService {
	t.Helper()
	cfg := gossip.DefaultConfig()
	cfg.Transport = memnet.New().Listen(memnet.Addr(7000))
	cfg.Clock = memnet.NewClock()
	cfg.Keys = keys
	s, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(keys ...[]byte) []gossip.KeyID {
	out := make([]gossip.KeyID, len(keys))
	for i, k := range keys {
		out[i] = keyIDOf(k)
	}
	return out
}

// TestKeyManagementErrorsChangeNothing: every key call that fails returns
// its documented error (errors.Is) and leaves the ring as it was; the ones
// that succeed change it as documented.
func TestKeyManagementErrorsChangeNothing(t *testing.T) {
	k1, k2, k3 := testKey("k1"), testKey("k2"), testKey("k3")
	s := newKeyedService(t, k1, k2)
	if err := s.Join(); err != nil {
		t.Fatal(err)
	}
	if got := s.KeyIDs(); !slices.Equal(got, ids(k1, k2)) {
		t.Fatalf("KeyIDs() = %v, want %v", got, ids(k1, k2))
	}
	failing := []struct {
		name string
		call func() error
		want error
	}{
		{"remove the sealing key", func() error { return s.RemoveKey(k1) }, gossip.ErrRemovePrimary},
		{"add a 15-byte key", func() error { return s.AddKey(k3[:15]) }, gossip.ErrKeySize},
		{"add a 31-byte key", func() error { return s.AddKey(k3[:31]) }, gossip.ErrKeySize},
		{"add a 33-byte key", func() error { return s.AddKey(append(slices.Clone(k3), 0)) }, gossip.ErrKeySize},
		{"add an empty key", func() error { return s.AddKey(nil) }, gossip.ErrKeySize},
		{"add the sealing key again", func() error { return s.AddKey(slices.Clone(k1)) }, gossip.ErrDuplicateKey},
		{"add the other key again", func() error { return s.AddKey(k2) }, gossip.ErrDuplicateKey},
		{"use an unknown key", func() error { return s.UseKey(k3) }, gossip.ErrUnknownKey},
		{"use a key of a bad size", func() error { return s.UseKey(k3[:5]) }, gossip.ErrUnknownKey},
		{"remove an unknown key", func() error { return s.RemoveKey(k3) }, gossip.ErrUnknownKey},
	}
	check := func(t *testing.T, s *gossip.GossipService, name string, call func() error, want error) {
		t.Helper()
		keys, stats := s.KeyIDs(), s.Stats()
		if err := call(); !errors.Is(err, want) {
			t.Errorf("%s: error = %v, want %v", name, err, want)
		}
		if got := s.KeyIDs(); !slices.Equal(got, keys) {
			t.Errorf("%s: KeyIDs %v -> %v", name, keys, got)
		}
		if s.Stats() != stats {
			t.Errorf("%s: stats changed", name)
		}
	}
	for _, f := range failing {
		check(t, s, f.name, f.call, f.want)
	}

	// The rotation steps, one by one.
	steps := []struct {
		call func() error
		want []gossip.KeyID
	}{
		{func() error { return s.UseKey(k1) }, ids(k1, k2)}, // already sealing: nothing to do
		{func() error { return s.AddKey(k3) }, ids(k1, k2, k3)},
		{func() error { return s.UseKey(k3) }, ids(k3, k1, k2)},
		{func() error { return s.RemoveKey(k1) }, ids(k3, k2)},
		{func() error { return s.RemoveKey(k2) }, ids(k3)},
	}
	for i, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := s.KeyIDs(); !slices.Equal(got, st.want) {
			t.Fatalf("step %d: KeyIDs() = %v, want %v", i, got, st.want)
		}
	}
	check(t, s, "remove the last key", func() error { return s.RemoveKey(k3) }, gossip.ErrRemovePrimary)

	// The ring keeps its own copy of a key.
	k4 := testKey("k4")
	if err := s.AddKey(k4); err != nil {
		t.Fatal(err)
	}
	want := s.KeyIDs()
	k4[0] ^= 0xff
	if got := s.KeyIDs(); !slices.Equal(got, want) {
		t.Fatalf("changing the caller's slice changed the ring: %v -> %v", want, got)
	}
	k4[0] ^= 0xff

	// After Close, every call is ErrClosed and the ring stays as it was.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		call func() error
	}{
		{"AddKey", func() error { return s.AddKey(testKey("k5")) }},
		{"UseKey", func() error { return s.UseKey(k4) }},
		{"RemoveKey", func() error { return s.RemoveKey(k4) }},
		{"AddKey of a bad size", func() error { return s.AddKey(nil) }},
	} {
		check(t, s, "after Close: "+f.name, f.call, gossip.ErrClosed)
	}
}

// TestNewWithABadKeyOpensNothing: New refuses keys of the wrong size and
// duplicates as an invalid Config naming the field, wrapping the key
// error, before binding anything: the port stays free, and a Transport
// passed in is not touched.
func TestNewWithABadKeyOpensNothing(t *testing.T) {
	probe, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr()
	probe.Close()
	k := testKey("k1")
	for _, tc := range []struct {
		name string
		keys [][]byte
		want error
	}{
		{"15 bytes", [][]byte{k[:15]}, gossip.ErrKeySize},
		{"an empty key", [][]byte{{}}, gossip.ErrKeySize},
		{"a bad second key", [][]byte{k, k[:20]}, gossip.ErrKeySize},
		{"a duplicate", [][]byte{k, testKey("k2"), slices.Clone(k)}, gossip.ErrDuplicateKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := gossip.DefaultConfig()
			cfg.Addr = addr
			cfg.Keys = tc.keys
			s, err := gossip.New(cfg)
			if s != nil {
				s.Close()
				t.Fatal("New returned a service")
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, gossip.ErrInvalidConfig) || !strings.Contains(err.Error(), "Keys") {
				t.Fatalf("New: %v; want ErrInvalidConfig and %v, naming Keys", err, tc.want)
			}
			// Nothing is left bound: the same address binds at once.
			cfg.Keys = [][]byte{k}
			s, err = gossip.New(cfg)
			if err != nil {
				t.Fatalf("the port is not free after the failed New: %v", err)
			}
			s.Close()

			// A Transport passed in stays usable.
			net := memnet.New()
			ep := net.Listen(memnet.Addr(7000))
			cfg = gossip.DefaultConfig()
			cfg.Transport, cfg.Clock, cfg.Keys = ep, memnet.NewClock(), tc.keys
			if _, err := gossip.New(cfg); !errors.Is(err, tc.want) {
				t.Fatalf("New over a Transport: %v, want %v", err, tc.want)
			}
			if err := ep.WriteTo([]byte("still open"), memnet.Addr(7000)); err != nil {
				t.Fatalf("the Transport passed in was closed: %v", err)
			}
		})
	}
}

// TestNewWithKeysNeedsRoomForSealing: with keys, MaxMessageSize must leave
// room for the smallest datagram plus the 36 bytes of sealing; New names
// the field. The plaintext flags need keys.
func TestNewWithKeysNeedsRoomForSealing(t *testing.T) {
	least := message.MinMessageSize + gossip.SealOverhead
	for _, tc := range []struct {
		name, field string
		tweak       func(*gossip.Config)
	}{
		{"one byte short", "MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = least - 1 }},
		{"the plaintext minimum", "MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = message.MinMessageSize }},
		{"AcceptPlaintext without keys", "AcceptPlaintext", func(c *gossip.Config) { c.Keys = nil; c.AcceptPlaintext = true }},
		{"SendPlaintext without keys", "SendPlaintext", func(c *gossip.Config) { c.Keys = nil; c.SendPlaintext = true }},
	} {
		cfg := gossip.DefaultConfig()
		cfg.Transport = memnet.New().Listen(memnet.Addr(7000))
		cfg.Keys = [][]byte{testKey("k1")}
		tc.tweak(&cfg)
		if _, err := gossip.New(cfg); !errors.Is(err, gossip.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: New: %v, want ErrInvalidConfig naming %s", tc.name, err, tc.field)
		}
	}
	cfg := gossip.DefaultConfig()
	cfg.Transport = memnet.New().Listen(memnet.Addr(7000))
	cfg.Keys = [][]byte{testKey("k1")}
	cfg.MaxMessageSize = least
	s, err := gossip.New(cfg)
	if err != nil {
		t.Fatalf("MaxMessageSize %d with keys: %v", least, err)
	}
	if got, want := s.MaxPayload(), least-gossip.SealOverhead-message.DataOverhead; got != want {
		t.Fatalf("MaxPayload() = %d, want %d", got, want)
	}
	s.Close()
}

// TestSealedClusterSpreadsEveryPayloadOnce is the keyed twin of
// TestEveryPayloadReachesEveryOtherNodeExactlyOnce, payloads of the largest
// size sealing allows included, and checks that every datagram was sealed
// and opened and none dropped.
func TestSealedClusterSpreadsEveryPayloadOnce(t *testing.T) {
	c := startCluster(t, 5, withKeys(testKey("k1"), testKey("k2")))
	for i, n := range c.nodes {
		p := make([]byte, n.svc.MaxPayload()+1)
		p[0] = byte(i)
		if err := n.svc.SendData(p[:n.svc.MaxPayload()]); err != nil {
			t.Fatal(err)
		}
		if err := n.svc.SendData(p); !errors.Is(err, gossip.ErrPayloadTooLarge) {
			t.Fatalf("a payload one byte over: %v", err)
		}
	}
	c.run(3 * time.Second)
	var sealed, opened uint64
	for i, n := range c.nodes {
		if len(n.got) != 4 {
			t.Fatalf("node %d got %d payloads, want 4", i, len(n.got))
		}
		for k, times := range n.got {
			if times != 1 {
				t.Fatalf("node %d got %s %d times", i, k, times)
			}
		}
		st := n.svc.Stats()
		sd := st.Sealing
		if sd.NoKey+sd.Malformed+sd.Oversize+sd.Replayed+sd.PlaintextRefused+sd.SenderMismatch != 0 || st.Dropped.Total() != 0 || st.Sealing.PlaintextSent+st.Sealing.PlaintextAccepted != 0 {
			t.Fatalf("node %d: %+v", i, st.Sealing)
		}
		if st.Sealing.Sealed != st.DatagramsOut || st.Sealing.Opened != st.DatagramsIn {
			t.Fatalf("node %d: sealed %d of %d out, opened %d of %d in", i, st.Sealing.Sealed, st.DatagramsOut, st.Sealing.Opened, st.DatagramsIn)
		}
		sealed += st.Sealing.Sealed
		opened += st.Sealing.Opened
	}
	if sealed != opened || c.net.Lost != 0 {
		t.Fatalf("%d sealed, %d opened, %d lost", sealed, opened, c.net.Lost)
	}
	if got := c.nodes[0].svc.MaxPayload(); got != 512-gossip.SealOverhead-message.DataOverhead {
		t.Fatalf("MaxPayload() = %d with keys at 512", got)
	}
}
