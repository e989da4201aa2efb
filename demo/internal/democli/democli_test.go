package democli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"/ip4/127.0.0.1/udp/8080", ""},
		{"/ip6/::1/udp/0", ""},
		{"127.0.0.1:8080", "must begin with /"},
		{"/ip4/127.0.0.1/tcp/8080", "not a UDP address"},
		{"/dns4/localhost/udp/8080", "not a UDP address"},
		{"/ip4/127.0.0.1/udp/8080/quic-v1", "not a UDP address"},
	} {
		_, err := ParseAddr(tc.in)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseAddr(%q) = %v, want error containing %q", tc.in, err, tc.err)
		}
	}
}

func TestParseSeedTakesDNSNames(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"/ip4/127.0.0.1/udp/8080", ""},
		{"/dns4/localhost/udp/8080", ""},
		{"/dns/seeds.cluster.local/udp/7946", ""},
		{"/dns6/localhost/udp/8080", ""},
		{"/dns4/localhost/tcp/8080", "not a UDP address"},
		{"localhost:8080", "must begin with /"},
	} {
		_, err := ParseSeed(tc.in)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseSeed(%q) = %v, want error containing %q", tc.in, err, tc.err)
		}
	}
}

func TestMillisRoundsUp(t *testing.T) {
	for d, want := range map[time.Duration]int{
		-time.Second:            0,
		0:                       0,
		time.Microsecond:        1,
		time.Millisecond:        1,
		1001 * time.Microsecond: 2,
		time.Second:             1000,
	} {
		if got := Millis(d); got != want {
			t.Errorf("Millis(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestPayloadTime(t *testing.T) {
	at := time.Date(2025, 11, 21, 23, 30, 1, 123456789, time.UTC)
	p := FormatPayload(3, multiaddr.StringCast("/ip4/127.0.0.1/udp/7070"), at)
	if want := "hello #3 from /ip4/127.0.0.1/udp/7070 at 2025-11-21T23:30:01.123456789Z"; p != want {
		t.Fatalf("FormatPayload = %q, want %q", p, want)
	}
	if got, ok := PayloadTime([]byte(p)); !ok || !got.Equal(at) {
		t.Fatalf("PayloadTime = %v, %v; want %v", got, ok, at)
	}
	if _, ok := PayloadTime([]byte("payload 1 from n3")); ok {
		t.Fatal("PayloadTime accepted a payload without a time")
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		out    string
	}{
		{nil, StatusOK, ""},
		{flag.ErrHelp, StatusOK, ""},
		{BadInputf("-nodes %d: want 2..1024", 1), StatusBadInput, "x: -nodes 1: want 2..1024\n"},
		{errors.New("poll: bad\nthings"), StatusFailure, "x: poll: bad things\n"},
	} {
		var w bytes.Buffer
		if got := Exit(&w, "x", tc.err); got != tc.status || w.String() != tc.out {
			t.Errorf("Exit(%v) = %d, %q; want %d, %q", tc.err, got, w.String(), tc.status, tc.out)
		}
	}
}

func TestLogLevelFlag(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var l Log
	l.Register(fs)
	if err := Parse(fs, []string{"-log-level", "WARN", "-json"}); err != nil {
		t.Fatal(err)
	}
	if l.Level != zerolog.WarnLevel || !l.JSON {
		t.Fatalf("got %v json=%v", l.Level, l.JSON)
	}
	if err := Parse(fs, []string{"-log-level", "trace"}); Exit(&bytes.Buffer{}, "x", err) != StatusBadInput {
		t.Fatalf("-log-level trace: %v, want bad input", err)
	}
}

func TestStatsLineNamesNonZeroDrops(t *testing.T) {
	var w bytes.Buffer
	log := Log{Level: zerolog.InfoLevel, JSON: true}.LoggerTo(&w)
	LogStats(log, gossip.Stats{DatagramsOut: 7, Dropped: gossip.Drops{State: 2, Self: 1}})
	line := w.String()
	for _, want := range []string{`"datagrams_out":7`, `"drops":3`, `"drops_state":2`, `"drops_self":1`, `"message":"stats"`} {
		if !strings.Contains(line, want) {
			t.Errorf("stats line %s lacks %s", line, want)
		}
	}
	if strings.Contains(line, "drops_short") || strings.Contains(line, "sealed") {
		t.Errorf("stats line %s names a zero drop reason, or sealing without keys", line)
	}
}

// TestStatsLineCountsSealingDrops: what the sealing layer refused is in
// the drops total and named, so a node with the wrong key does not report
// drops=0.
func TestStatsLineCountsSealingDrops(t *testing.T) {
	var w bytes.Buffer
	log := Log{Level: zerolog.InfoLevel, JSON: true}.LoggerTo(&w)
	LogStats(log, gossip.Stats{Dropped: gossip.Drops{State: 1},
		Sealing: gossip.SealStats{Sealed: 9, Opened: 4, NoKey: 18, PlaintextRefused: 2}})
	line := w.String()
	for _, want := range []string{`"drops":21`, `"drops_no_key":18`, `"drops_plaintext_refused":2`, `"sealed":9`, `"opened":4`} {
		if !strings.Contains(line, want) {
			t.Errorf("stats line %s lacks %s", line, want)
		}
	}
}
