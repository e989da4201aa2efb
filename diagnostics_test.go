package gossip_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
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

// warnLines returns the warn lines of a JSON log that say a datagram was
// not read, by reason.
func warnLines(log *bytes.Buffer) map[string]int {
	out := map[string]int{}
	for _, l := range strings.Split(log.String(), "\n") {
		var e struct{ Level, Message, Reason string }
		if json.Unmarshal([]byte(l), &e) == nil && e.Level == "warn" && strings.HasPrefix(e.Message, "datagram not read") {
			out[e.Reason]++
		}
	}
	return out
}

// TestUnreadableDatagramsAreLoggedAndJoinsSayWhy: a node that gets
// datagrams it cannot read (sealed under a key it lacks, plaintext when it
// takes only sealed ones, sealed when it has no keys) logs them at warn,
// once per sender address per minute however many come, and a join whose
// answers could not be read says what they were instead of "no seed
// answered".
func TestUnreadableDatagramsAreLoggedAndJoinsSayWhy(t *testing.T) {
	k1, k2 := testKey("k1"), testKey("k2")
	for _, tc := range []struct {
		name              string
		seed, joiner      func(*gossip.Config)
		seedWarns, joined string // the seed's warn reason; the joiner's error, a regexp
	}{
		{"cluster under another key",
			func(c *gossip.Config) { c.Keys = [][]byte{k1} }, func(c *gossip.Config) { c.Keys = [][]byte{k2} },
			"no_key", regexp.QuoteMeta("gossip: join failed: no seed answered (a seed that holds none of our keys drops our Hellos without answering; its log says so at warn)")},
		{"plaintext node, keyed cluster",
			func(c *gossip.Config) { c.Keys = [][]byte{k1} }, func(*gossip.Config) {},
			"plaintext_refused", regexp.QuoteMeta("gossip: no seed answered")},
		{"keyed node, plaintext cluster",
			func(*gossip.Config) {}, func(c *gossip.Config) { c.Keys = [][]byte{k1} },
			"sealed", regexp.QuoteMeta("gossip: join failed: no seed answered (a seed that holds none of our keys drops our Hellos without answering; its log says so at warn)")},
		{"plaintext node, cluster rolling onto keys",
			func(c *gossip.Config) { c.Keys, c.AcceptPlaintext = [][]byte{k1}, true }, func(*gossip.Config) {},
			"", `gossip: join failed: \d+ datagrams from the seed were sealed, and this node has no keys`},
		{"rolling onto different keys",
			func(c *gossip.Config) { c.Keys, c.AcceptPlaintext = [][]byte{k1}, true },
			func(c *gossip.Config) { c.Keys, c.AcceptPlaintext, c.SendPlaintext = [][]byte{k2}, true, true },
			"", `gossip: join failed: \d+ datagrams from the seed did not open under our keys`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seedLog, joinLog bytes.Buffer
			c := newCluster(t, nil)
			c.tweak = func(cfg *gossip.Config) {
				tc.seed(cfg)
				cfg.Logger = zerolog.New(&seedLog).Level(zerolog.WarnLevel)
			}
			seed := c.add()
			if err := seed.svc.Join(); err != nil {
				t.Fatal(err)
			}
			c.tweak = func(cfg *gossip.Config) {
				tc.joiner(cfg)
				cfg.Logger = zerolog.New(&joinLog).Level(zerolog.WarnLevel)
			}
			n := c.add()
			if err := n.svc.Join(seed.svc.Addr()); err != nil {
				t.Fatal(err)
			}
			c.run(2 * time.Second)
			err := n.svc.Err()
			if !errors.Is(err, gossip.ErrJoinFailed) || !regexp.MustCompile("^"+tc.joined+"$").MatchString(err.Error()) {
				t.Fatalf("joiner: %v; want %q", err, tc.joined)
			}
			if tc.seedWarns != "" {
				if got := warnLines(&seedLog); got[tc.seedWarns] != 1 || len(got) != 1 {
					t.Fatalf("seed warned %v for 3 Hellos; want one %s line\n%s", got, tc.seedWarns, seedLog.String())
				}
			}
			t.Logf("joiner: %v", err)
		})
	}
}

// TestRefusedDatagramWarningsAreRateLimited: a thousand unreadable
// datagrams from one address make one warn line a minute; from a thousand
// addresses, at most 60 a minute, the next line saying how many were
// suppressed.
func TestRefusedDatagramWarningsAreRateLimited(t *testing.T) {
	var log bytes.Buffer
	c := newCluster(t, func(cfg *gossip.Config) {
		cfg.Keys = [][]byte{testKey("k1")}
		cfg.Logger = zerolog.New(&log).Level(zerolog.WarnLevel)
	})
	n := c.add()
	if err := n.svc.Join(); err != nil {
		t.Fatal(err)
	}
	junk := []byte("plaintext junk")
	for range 1000 {
		injectSealed(t, n, memnet.Addr(9500), junk)
	}
	if got := warnLines(&log)["plaintext_refused"]; got != 1 {
		t.Fatalf("%d warn lines for 1000 datagrams from one address", got)
	}
	c.clock.Advance(time.Minute)
	injectSealed(t, n, memnet.Addr(9500), junk)
	if got := warnLines(&log)["plaintext_refused"]; got != 2 {
		t.Fatalf("%d warn lines a minute later, want 2", got)
	}
	c.clock.Advance(time.Minute)
	log.Reset()
	for i := range 1000 {
		injectSealed(t, n, memnet.Addr(uint16(10000+i)), junk)
	}
	if got := warnLines(&log)["plaintext_refused"]; got != 60 {
		t.Fatalf("%d warn lines for 1000 addresses in a minute, want 60", got)
	}
	c.clock.Advance(time.Minute)
	log.Reset()
	injectSealed(t, n, memnet.Addr(9501), junk)
	if !strings.Contains(log.String(), `"suppressed":940`) {
		t.Fatalf("the next line does not say 940 were suppressed: %s", log.String())
	}
	if st := n.svc.Stats(); st.Sealing.PlaintextRefused != 2002 {
		t.Fatalf("PlaintextRefused %d: every datagram is still counted", st.Sealing.PlaintextRefused)
	}
}
