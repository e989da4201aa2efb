package gossip_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// TestDebugLogsPrintHexIDsAndMultiaddrs: the library's member and drop
// lines name members by 16 hex digits and addresses by multiaddr text,
// as NodeID.String and the demos do, never in decimal or as host:port.
func TestDebugLogsPrintHexIDsAndMultiaddrs(t *testing.T) {
	var buf bytes.Buffer
	log := zerolog.New(&buf).Level(zerolog.DebugLevel)
	c := startCluster(t, 2, func(cfg *gossip.Config) { cfg.Logger = log })
	c.nodes[0].ep.Inject(addrOf(c.nodes[1]), []byte{0xff}) // junk: a drop line
	c.pump()
	c.nodes[1].svc.Leave()
	c.pump()

	lines := buf.String()
	for _, msg := range []string{"member joined", "member removed", "datagram dropped"} {
		if !strings.Contains(lines, `"message":"`+msg+`"`) {
			t.Errorf("no %q line in:\n%s", msg, lines)
		}
	}
	hexID := regexp.MustCompile(`"member":"[0-9a-f]{16}"`)
	maddr := regexp.MustCompile(`"(addr|from)":"/ip4/127\.0\.0\.1/udp/\d+"`)
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		if strings.Contains(l, `"message":"state"`) {
			continue // from and to are states there
		}
		if strings.Contains(l, `"member":`) && !hexID.MatchString(l) {
			t.Errorf("member not as 16 hex digits: %s", l)
		}
		if (strings.Contains(l, `"addr":`) || strings.Contains(l, `"from":`)) && !maddr.MatchString(l) {
			t.Errorf("address not as a multiaddr: %s", l)
		}
		if strings.Contains(l, "member removed") && !strings.Contains(l, `"event":"left"`) {
			t.Errorf("removal without the event's name: %s", l)
		}
	}
}
