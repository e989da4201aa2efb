package demo_test

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// within bounds every wait on the network in these tests.
const within = 5 * time.Second

// testSeedAndTwoNodes runs a seed and two nodes on free ports: each node
// gets the other's payloads and the seed both; a SIGINT'd node leaves,
// the seed sees it go, and every process exits 0.
func testSeedAndTwoNodes(t *testing.T, b bins) {
	fast := []string{"-json", "-tick", "100ms", "-retry", "500ms"}
	seed := start(t, b.seed, append([]string{"-addr", "/ip4/127.0.0.1/udp/0"}, fast...)...)
	seedAddr := seed.waitFor(t, within, "its address", msg("listening"))["addr"].(string)

	nodeArgs := append([]string{"-addr", "/ip4/127.0.0.1/udp/0", "-seed", seedAddr, "-every", "200ms"}, fast...)
	n1, n2 := start(t, b.node, nodeArgs...), start(t, b.node, nodeArgs...)
	id1 := n1.waitFor(t, within, "its id", msg("listening"))["node"].(string)
	id2 := n2.waitFor(t, within, "its id", msg("listening"))["node"].(string)

	n1.waitFor(t, within, "data from node 2", msg("data", "origin", id2))
	n2.waitFor(t, within, "data from node 1", msg("data", "origin", id1))
	seed.waitFor(t, within, "data from node 1", msg("data", "origin", id1))
	seed.waitFor(t, within, "data from node 2", msg("data", "origin", id2))

	n2.signal(t, os.Interrupt)
	if code := n2.wait(t, within); code != 0 {
		t.Fatalf("node 2 exit status %d after SIGINT; stderr: %s", code, n2.stderr.String())
	}
	n2.waitFor(t, within, "its stats", msg("stats"))
	seed.waitFor(t, within, "node 2 leaving", msg("member left", "member", id2))
	n1.waitFor(t, within, "node 2 leaving", msg("member left", "member", id2))

	n1.signal(t, os.Interrupt)
	seed.signal(t, syscall.SIGTERM)
	for _, p := range []*proc{n1, seed, n2} {
		if code := p.wait(t, within); code != 0 || p.stderr.Len() > 0 {
			t.Errorf("%s: exit status %d, stderr %q", p.name, code, p.stderr.String())
		}
	}
}

// testKilledNodeIsDeclaredFailed runs a seed and two nodes with the
// default flags (1 s tick) and metadata: each prints the others' metadata
// when they join. One node is killed with SIGKILL, with no goodbye: the
// other two print "member failed" for it within 5 s.
func testKilledNodeIsDeclaredFailed(t *testing.T, b bins) {
	seed := start(t, b.seed, "-json", "-addr", "/ip4/127.0.0.1/udp/0", "-meta", "role=seed")
	seedAddr := seed.waitFor(t, within, "its address", msg("listening"))["addr"].(string)
	nodeArgs := []string{"-json", "-addr", "/ip4/127.0.0.1/udp/0", "-seed", seedAddr}
	n1 := start(t, b.node, append(nodeArgs, "-meta", "role=worker,n=1")...)
	n2 := start(t, b.node, append(nodeArgs, "-meta", "role=worker,n=2")...)
	id1 := n1.waitFor(t, within, "its id", msg("listening"))["node"].(string)
	id2 := n2.waitFor(t, within, "its id", msg("listening"))["node"].(string)
	n1.waitFor(t, within, "the seed's metadata", msg("member joined", "meta", "role=seed"))
	seed.waitFor(t, within, "node 1 and its metadata", msg("member joined", "member", id1, "meta", "role=worker,n=1"))
	seed.waitFor(t, within, "node 2 and its metadata", msg("member joined", "member", id2, "meta", "role=worker,n=2"))
	n1.waitFor(t, within, "node 2 and its metadata", msg("member joined", "member", id2, "meta", "role=worker,n=2"))

	killed := time.Now()
	n2.signal(t, syscall.SIGKILL)
	for _, p := range []*proc{seed, n1} {
		p.waitFor(t, within, "node 2 declared failed", msg("member failed", "member", id2))
		t.Logf("%s printed node 2 failed %v after SIGKILL", p.name, time.Since(killed).Round(time.Millisecond))
	}
	n1.signal(t, os.Interrupt)
	seed.signal(t, os.Interrupt)
	for _, p := range []*proc{n1, seed} {
		if code := p.wait(t, within); code != 0 || p.stderr.Len() > 0 {
			t.Errorf("%s: exit status %d, stderr %q", p.name, code, p.stderr.String())
		}
	}
}
