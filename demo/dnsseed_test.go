package demo_test

import (
	"os"
	"strings"
	"testing"
)

// testNodeJoinsThroughADNSName is the README's two terminals with the
// seed given by name: node -seed /dns4/localhost/udp/PORT resolves
// localhost (from the hosts file, no DNS server asked), joins the running
// seed, and the seed sees it join.
func testNodeJoinsThroughADNSName(t *testing.T, b bins) {
	fast := []string{"-json", "-tick", "100ms", "-retry", "500ms"}
	seed := start(t, b.seed, append([]string{"-addr", "/ip4/127.0.0.1/udp/0"}, fast...)...)
	seedAddr := seed.waitFor(t, within, "its address", msg("listening"))["addr"].(string)
	port := seedAddr[strings.LastIndexByte(seedAddr, '/')+1:]

	node := start(t, b.node, append([]string{"-addr", "/ip4/127.0.0.1/udp/0", "-seed", "/dns4/localhost/udp/" + port}, fast...)...)
	id := node.waitFor(t, within, "its id", msg("listening"))["node"].(string)
	node.waitFor(t, within, "CONNECTED", msg("state", "to", "CONNECTED"))
	seed.waitFor(t, within, "the node joining", msg("member joined", "member", id))

	node.signal(t, os.Interrupt)
	seed.waitFor(t, within, "the node leaving", msg("member left", "member", id))
	seed.signal(t, os.Interrupt)
	for _, p := range []*proc{node, seed} {
		if code := p.wait(t, within); code != 0 {
			t.Errorf("%s: exit status %d, stderr %q", p.name, code, p.stderr.String())
		}
	}
}
