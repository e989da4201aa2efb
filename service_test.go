package gossip_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

func TestNewRejectsImpossibleConfigNamingTheField(t *testing.T) {
	cases := []struct {
		field string
		tweak func(*gossip.Config)
	}{
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = 63 }},
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = 65508 }},
		{"RumorFactor", func(c *gossip.Config) { c.RumorFactor = 0 }},
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = 0 }},
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = -1 }},
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = message.DataOverhead - 1 }}, // below the Data header
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize = 41 }},                       // below an IPv6 Welcome (42)
		{"RumorFactor", func(c *gossip.Config) { c.RumorFactor = -1 }},
		{"RumorFactor", func(c *gossip.Config) { c.RumorFactor = 8 }},
		{"RetryInterval", func(c *gossip.Config) { c.RetryInterval = -time.Second }},
		{"RetryInterval", func(c *gossip.Config) { c.RetryInterval = 0 }},
		{"TickInterval", func(c *gossip.Config) { c.TickInterval = 0 }},
		{"TickInterval", func(c *gossip.Config) { c.TickInterval = -time.Nanosecond }},
		{"GapTimeout", func(c *gossip.Config) { c.GapTimeout = -time.Second }},
		{"RetryAttempts", func(c *gossip.Config) { c.RetryAttempts = 0 }},
		{"StatusFanout", func(c *gossip.Config) { c.StatusFanout = 4 }},
		{"MaxOutboundMessages", func(c *gossip.Config) { c.MaxOutboundMessages = 2 }},
		{"DataLogBytes", func(c *gossip.Config) { c.DataLogBytes = 100 }},
		{"MaxMembers", func(c *gossip.Config) { c.MaxMembers = 0 }},
		{"Label", func(c *gossip.Config) { c.Label = "two words" }},
		{"Label", func(c *gossip.Config) { c.Label = strings.Repeat("x", 65) }},
		{"Label", func(c *gossip.Config) { c.Label = "caf\u00e9" }},
		{"MaxMessageSize", func(c *gossip.Config) { c.MaxMessageSize, c.Label = 64, "mimir" }}, // no room for the label
		{"MaxOrigins", func(c *gossip.Config) { c.MaxOrigins = -1 }},
		{"GapTimeout", func(c *gossip.Config) { c.GapTimeout = 0 }},
		{"JoinListDatagrams", func(c *gossip.Config) { c.JoinListDatagrams = 0 }},
		{"RepairBudget", func(c *gossip.Config) { c.RepairBudget = 0 }},
		{"Addr", func(c *gossip.Config) { c.Addr = nil }},
	}
	for _, c := range cases {
		cfg := gossip.DefaultConfig()
		c.tweak(&cfg)
		_, err := gossip.New(cfg)
		if !errors.Is(err, gossip.ErrInvalidConfig) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: New() error = %v, want ErrInvalidConfig naming the field", c.field, err)
		}
	}
	var zero gossip.Config
	if _, err := gossip.New(zero); !errors.Is(err, gossip.ErrInvalidConfig) {
		t.Errorf("zero Config: %v, want ErrInvalidConfig", err)
	}
}

func TestNewRejectsBadAddresses(t *testing.T) {
	for _, c := range []struct {
		addr string
		want error
	}{
		{"/ip4/127.0.0.1/tcp/7070", gossip.ErrNotUDP},
		{"/dns4/localhost/udp/7070", gossip.ErrNotUDP},
		{"/ip4/0.0.0.0/udp/0", gossip.ErrInvalidAddress}, // cannot be advertised
	} {
		cfg := gossip.DefaultConfig()
		cfg.Addr = multiaddr.StringCast(c.addr)
		s, err := gossip.New(cfg)
		if !errors.Is(err, c.want) || !errors.Is(err, gossip.ErrInvalidAddress) {
			t.Errorf("%s: %v, want %v", c.addr, err, c.want)
		}
		if s != nil {
			s.Close()
		}
	}
}

func TestPortInUseIsAnError(t *testing.T) {
	a, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cfg := gossip.DefaultConfig()
	cfg.Addr = a.Addr()
	if b, err := gossip.New(cfg); err == nil {
		b.Close()
		t.Fatal("second bind to the same port succeeded")
	}
}

func newMemService(t *testing.T) *gossip.GossipService {
	t.Helper()
	cfg := gossip.DefaultConfig()
	cfg.Transport = memnet.New().Listen(memnet.Addr(7000))
	cfg.Clock = memnet.NewClock()
	s, err := gossip.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCallerMistakesReturnDocumentedErrors(t *testing.T) {
	seed := multiaddr.StringCast("/ip4/127.0.0.1/udp/9")
	cases := []struct {
		name string
		prep func(s *gossip.GossipService)
		call func(s *gossip.GossipService) error
		want error
	}{
		{"send before join", nil, func(s *gossip.GossipService) error { return s.SendData([]byte("x")) }, gossip.ErrBadState},
		{"send while joining", func(s *gossip.GossipService) { s.Join(seed) }, func(s *gossip.GossipService) error { return s.SendData([]byte("x")) }, gossip.ErrBadState},
		{"join while joining", func(s *gossip.GossipService) { s.Join(seed) }, func(s *gossip.GossipService) error { return s.Join(seed) }, gossip.ErrBadState},
		{"join twice", func(s *gossip.GossipService) { s.Join() }, func(s *gossip.GossipService) error { return s.Join() }, gossip.ErrBadState},
		{"leave before join", nil, func(s *gossip.GossipService) error { return s.Leave() }, gossip.ErrBadState},
		{"empty payload", func(s *gossip.GossipService) { s.Join() }, func(s *gossip.GossipService) error { return s.SendData(nil) }, gossip.ErrEmptyPayload},
		{"empty non-nil payload", func(s *gossip.GossipService) { s.Join() }, func(s *gossip.GossipService) error { return s.SendData([]byte{}) }, gossip.ErrEmptyPayload},
		{"send when disconnected", func(s *gossip.GossipService) { s.Join(); s.Leave() }, func(s *gossip.GossipService) error { return s.SendData([]byte("x")) }, gossip.ErrBadState},
		{"leave while joining", func(s *gossip.GossipService) { s.Join(seed) }, func(s *gossip.GossipService) error { return s.Leave() }, gossip.ErrBadState},
		{"leave twice", func(s *gossip.GossipService) { s.Join(); s.Leave() }, func(s *gossip.GossipService) error { return s.Leave() }, gossip.ErrBadState},
		{"a bad seed among good ones", nil, func(s *gossip.GossipService) error {
			return s.Join(seed, multiaddr.StringCast("/ip4/127.0.0.1/tcp/9"))
		}, gossip.ErrNotUDP},
		{"payload one byte over", func(s *gossip.GossipService) { s.Join() }, func(s *gossip.GossipService) error { return s.SendData(make([]byte, s.MaxPayload()+1)) }, gossip.ErrPayloadTooLarge},
		{"non-UDP seed", nil, func(s *gossip.GossipService) error { return s.Join(multiaddr.StringCast("/ip4/127.0.0.1/tcp/9")) }, gossip.ErrNotUDP},
		{"send after close", func(s *gossip.GossipService) { s.Join(); s.Close() }, func(s *gossip.GossipService) error { return s.SendData([]byte("x")) }, gossip.ErrClosed},
		{"join after close", func(s *gossip.GossipService) { s.Close() }, func(s *gossip.GossipService) error { return s.Join() }, gossip.ErrClosed},
		{"receive after close", func(s *gossip.GossipService) { s.Close() }, func(s *gossip.GossipService) error { _, err := s.Receive(); return err }, gossip.ErrClosed},
		{"send after close", func(s *gossip.GossipService) { s.Close() }, func(s *gossip.GossipService) error { _, err := s.Send(); return err }, gossip.ErrClosed},
		{"close twice", func(s *gossip.GossipService) { s.Close() }, func(s *gossip.GossipService) error { return s.Close() }, gossip.ErrClosed},
		{"leave after close", func(s *gossip.GossipService) { s.Join(); s.Close() }, func(s *gossip.GossipService) error { return s.Leave() }, gossip.ErrClosed},
		{"join with seeds after close", func(s *gossip.GossipService) { s.Close() }, func(s *gossip.GossipService) error { return s.Join(seed) }, gossip.ErrClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newMemService(t)
			if c.prep != nil {
				c.prep(s)
			}
			before, stats := s.State(), s.Stats()
			if err := c.call(s); !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want %v", err, c.want)
			}
			if s.State() != before {
				t.Fatalf("state changed from %v to %v", before, s.State())
			}
			if s.Stats() != stats { // nothing queued, sent or counted
				t.Fatalf("stats changed: %+v -> %+v", stats, s.Stats())
			}
		})
	}
	s := newMemService(t)
	s.Join()
	if err := s.SendData(make([]byte, s.MaxPayload())); err != nil {
		t.Fatalf("a payload of exactly MaxPayload: %v", err)
	}
	// The calls that return no error are harmless after Close.
	s.Close()
	if w := s.Tick(); w <= 0 {
		t.Fatalf("Tick after Close = %v, want a positive wait", w)
	}
	if s.FD() != -1 || s.State() != gossip.Destroyed {
		t.Fatalf("after Close: FD %d, state %v", s.FD(), s.State())
	}
	_, _ = s.Members(), s.Stats()
}

func TestStateTransitions(t *testing.T) {
	s := newMemService(t)
	steps := []struct {
		do   func() error
		want gossip.State
	}{
		{func() error { return nil }, gossip.Initialized},
		{func() error { return s.Join() }, gossip.Connected},
		{func() error { return s.Leave() }, gossip.Disconnected},
		{func() error { return s.Join(multiaddr.StringCast("/ip4/127.0.0.1/udp/9")) }, gossip.Joining},
		{func() error { return s.Close() }, gossip.Destroyed},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.State() != st.want {
			t.Fatalf("step %d: state %v, want %v", i, s.State(), st.want)
		}
	}
	if s.FD() != -1 {
		t.Fatal("FD of a closed service")
	}
}

func TestStateNames(t *testing.T) {
	want := []string{"INITIALIZED", "JOINING", "CONNECTED", "DISCONNECTED", "DESTROYED"}
	for i, w := range want {
		if got := gossip.State(i + 1).String(); got != w {
			t.Errorf("State(%d) = %q, want %q", i+1, got, w)
		}
	}
}
