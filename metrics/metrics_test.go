package metrics_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/metrics"
	"github.com/tickgossip/gossip/runner"
)

// TestWriteIsTheTextFormat: every family has one HELP and one TYPE line
// before its samples, names follow the conventions (gossip_ prefix,
// counters end in _total), label values are quoted, and the values are
// the Stats'.
func TestWriteIsTheTextFormat(t *testing.T) {
	var st runner.Stats
	st.DatagramsIn, st.Members, st.Dropped.Short, st.Published = 42, 3, 7, 5
	var b strings.Builder
	if err := metrics.Write(&b, st); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# HELP gossip_datagrams_received_total Datagrams read from the socket.\n# TYPE gossip_datagrams_received_total counter\ngossip_datagrams_received_total 42\n",
		"# TYPE gossip_members gauge\ngossip_members 3\n",
		`gossip_datagrams_dropped_total{reason="short"} 7` + "\n",
		"gossip_runner_published_total 5\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	sample := regexp.MustCompile(`^(gossip_[a-z_]+)(\{[a-z_]+="[a-z_]+"\})? [0-9]+$`)
	types := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if f := strings.Fields(l); strings.HasPrefix(l, "# TYPE ") {
			if _, dup := types[f[2]]; dup {
				t.Errorf("family %s declared twice", f[2])
			}
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(l, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a sample line: %q", l)
			continue
		}
		typ, ok := types[m[1]]
		if !ok {
			t.Errorf("sample of %s before its TYPE", m[1])
		}
		if (typ == "counter") != strings.HasSuffix(m[1], "_total") {
			t.Errorf("%s is a %s: counters, and only they, end in _total", m[1], typ)
		}
	}
	if len(types) != len(metrics.Families) {
		t.Errorf("%d families written, want %d", len(types), len(metrics.Families))
	}
}

// TestHandlerScrapesARunner: /metrics of a running two-node cluster
// shows the datagrams it exchanged and the member it knows.
func TestHandlerScrapesARunner(t *testing.T) {
	seed, err := runner.New(gossip.DefaultConfig(), runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := runner.New(gossip.DefaultConfig(), runner.Options{Seeds: []multiaddr.Multiaddr{seed.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); <-seed.Done(); <-node.Done() }()
	go seed.Run(ctx)
	go node.Run(ctx)
	if err := node.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(metrics.Handler(node))
	defer srv.Close()

	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != metrics.ContentType {
			t.Fatalf("Content-Type %q, want %q", ct, metrics.ContentType)
		}
		text := string(body)
		if strings.Contains(text, "\ngossip_members 1\n") && !strings.Contains(text, "\ngossip_datagrams_received_total 0\n") &&
			!strings.Contains(text, "\ngossip_members_added_total 0\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no member and no datagrams in the scrape:\n%s", text)
		}
		time.Sleep(10 * time.Millisecond) // a real UDP exchange, polled to a deadline
	}
}
