package main_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetricsEndpoint runs a room of two with -metrics on one member and
// scrapes http://ADDR/metrics: the datagram counters have counted the
// join, and the member gauge and counters show the other member.
func TestMetricsEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and runs it on real sockets")
	}
	bin := build(t)
	a := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-metrics", "127.0.0.1:0")
	url := a.expect(t, `^\* metrics on (http://127\.0\.0\.1:\d+/metrics)$`)[1]
	addrA := a.expect(t, `^\* listening on (\S+) as [0-9a-f]{16}; a new room`)[1]
	b := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-seed", addrA)
	b.expect(t, `^\* connected$`)
	a.expect(t, `joined$`)

	want := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^gossip_datagrams_received_total [1-9][0-9]*$`),
		regexp.MustCompile(`(?m)^gossip_datagrams_sent_total [1-9][0-9]*$`),
		regexp.MustCompile(`(?m)^gossip_members 1$`),
		regexp.MustCompile(`(?m)^gossip_members_added_total 1$`),
		regexp.MustCompile(`(?m)^# HELP gossip_members Other members this node knows`),
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		text := scrape(t, url)
		missing := ""
		for _, re := range want {
			if !re.MatchString(text) {
				missing = re.String()
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the scrape:\n%s", missing, text)
		}
		time.Sleep(20 * time.Millisecond) // real sockets: polled to a deadline
	}
	b.stdin.Close()
	a.stdin.Close()
	for _, p := range []*proc{a, b} {
		if code := p.wait(t); code != 0 {
			t.Errorf("exit %d: %s", code, p.stderr.String())
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the Prometheus text format", ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
