package gossip_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// TestForgedFarSeqDoesNotSilenceAnOrigin is the black-box attack on a
// plaintext cluster: one forged Data naming a live origin with seq 2^32-1,
// and one with a seq a million ahead, sent to every other node from a
// stranger's address. Before, the window jumped to the forged seq (at once,
// or when GapTimeout gave up the gap) and none of the origin's next 45
// genuine payloads was delivered anywhere. Now neither forgery is
// delivered or forwarded, and every genuine payload sent in the 45 s that
// follow reaches every node exactly once.
func TestForgedFarSeqDoesNotSilenceAnOrigin(t *testing.T) {
	c := startCluster(t, 4, nil)
	origin := c.nodes[1]
	if err := origin.svc.SendData([]byte("before")); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)
	forger := memnet.Addr(9666)
	id := uint64(origin.svc.ID())
	for _, seq := range []uint32{0xffffffff, 1_000_001} {
		d := wire(t, &message.Data{Origin: id, OriginSeq: seq, Payload: []byte("forged")}, 1)
		for _, n := range c.nodes {
			if n != origin {
				n.ep.Inject(forger, d)
			}
		}
	}
	c.run(3 * time.Second) // past GapTimeout (1 s here)
	for i, n := range c.nodes {
		for k := range n.got {
			if k == key(origin.svc.ID(), 0xffffffff) || k == key(origin.svc.ID(), 1_000_001) {
				t.Fatalf("node %d delivered the forged %s", i, k)
			}
		}
	}
	for s := range 45 {
		if err := origin.svc.SendData(fmt.Appendf(nil, "genuine %d", s)); err != nil {
			t.Fatal(err)
		}
		c.run(time.Second)
	}
	c.run(2 * time.Second)
	far := uint64(0)
	for i, n := range c.nodes {
		far += n.svc.Stats().DataTooFar
		if n == origin {
			continue
		}
		for s := uint32(2); s <= 46; s++ {
			if got := n.got[key(origin.svc.ID(), s)]; got != 1 {
				t.Fatalf("node %d got genuine payload %d %d times", i, s, got)
			}
		}
	}
	if far == 0 {
		t.Fatal("no Data counted as DataTooFar")
	}
	t.Logf("45 of 45 genuine payloads reached every node after the forgeries; %d Data held back as too far", far)
}
