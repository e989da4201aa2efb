package prom_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/metrics"
	"github.com/tickgossip/gossip/metrics/prom"
	"github.com/tickgossip/gossip/runner"
)

// pair runs a seed and a node on loopback until the test ends and
// returns the node once it is CONNECTED.
func pair(t *testing.T) *runner.Runner {
	t.Helper()
	seed, err := runner.New(gossip.DefaultConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := runner.New(gossip.DefaultConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{seed.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); <-seed.Done(); <-node.Done() })
	go seed.Run(ctx)
	go node.Run(ctx)
	if err := node.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return node
}

// TestCollectorPassesTheLinter: the client library's linter finds nothing
// to say about the names, units, help and types, and a pedantic registry
// accepts the collector.
func TestCollectorPassesTheLinter(t *testing.T) {
	c := prom.NewCollector(pair(t), prometheus.Labels{"instance_name": "n1"})
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatalf("pedantic gather: %v", err)
	}
}

// TestHandWrittenTextPassesTheLinter: what package metrics writes without
// the client library parses as the text format and lints clean too.
func TestHandWrittenTextPassesTheLinter(t *testing.T) {
	var b strings.Builder
	if err := metrics.Write(&b, runner.Stats{}); err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.New(strings.NewReader(b.String())).Lint()
	if err != nil {
		t.Fatalf("the text does not parse: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestScrapeThroughPromhttp: a registry with the collector, served by
// promhttp, shows the node's datagrams and its member.
func TestScrapeThroughPromhttp(t *testing.T) {
	node := pair(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(prom.NewCollector(node, nil))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := string(body)
		if strings.Contains(text, "\ngossip_members 1\n") && strings.Contains(text, "gossip_datagrams_received_total") &&
			!strings.Contains(text, "\ngossip_datagrams_received_total 0\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member and no datagrams in the scrape:\n%s", text)
		}
		time.Sleep(10 * time.Millisecond) // real UDP: polled to a deadline
	}
}
