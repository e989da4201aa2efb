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
