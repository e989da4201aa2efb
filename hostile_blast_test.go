package gossip_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
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

// TestGuessedWelcomeIsRefused is the black-box attack on a node whose seed
// is down: a forger, who cannot see the node's first contact (a Join, then
// Hellos), sends Welcomes from the seed's address guessing its seq. Envelope seqs used to
// encode a small slot index and reuse count (the first Hello of a default
// service had seq 2048), so a few guesses did it and the node sent its
// data to the forger. Now they are keyed with a random value from
// Config.Rand: the 70,000 likeliest unkeyed seqs all miss, the node stays
// JOINING, and its join fails when its Hellos run out. The seqs are the
// same for the same seed (a run is still the same run) and differ between
// seeds.
func TestGuessedWelcomeIsRefused(t *testing.T) {
	firstHello := func(seed uint64) (uint32, *cluster, *tnode) {
		c := newCluster(t, nil)
		c.seed = seed
		j := c.add()
		var seq uint32
		c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
			if h, _, err := message.ParseHeader(b); err == nil && (h.Type == message.TypeJoin || h.Type == message.TypeHello) && seq == 0 {
				seq = h.Seq
			}
			return true // the seed is down
		}
		if err := j.svc.Join(maddr(memnet.Addr(7999))); err != nil {
			t.Fatal(err)
		}
		c.pump()
		return seq, c, j
	}
	a1, _, _ := firstHello(10)
	a2, _, _ := firstHello(10)
	b1, c, j := firstHello(11)
	if a1 != a2 || a1 == b1 {
		t.Fatalf("first Hello seqs: seed 10: %#x and %#x, seed 11: %#x; want equal, then different", a1, a2, b1)
	}
	seed := memnet.Addr(7999)
	forged := message.Member{ID: 0xf0f0, Addr: seed}
	guesses := 0
	try := func(helloSeq uint32) {
		if helloSeq == b1 {
			t.Fatalf("the Hello's seq %#x is among the forger's likeliest guesses", b1)
		}
		guesses++
		j.ep.Inject(seed, wire(t, &message.Welcome{HelloSeq: helloSeq, Member: forged}, 1))
		drain(t, j)
	}
	for s := range uint32(1 << 16) {
		try(s)
	}
	for gen := uint32(1); gen <= 64; gen++ { // slot and reuse count, the old layout
		for slot := uint32(0); slot < 64; slot++ {
			try(gen<<11 | slot)
		}
	}
	st := j.svc.Stats()
	if j.svc.State() != gossip.Joining || st.Dropped.Unsolicited != uint64(guesses) || len(j.svc.Members()) != 0 {
		t.Fatalf("after %d guessed Welcomes: %v, %d unsolicited, members %v", guesses, j.svc.State(), st.Dropped.Unsolicited, j.svc.Members())
	}
	c.run(2 * time.Second)
	if j.svc.State() != gossip.Disconnected || !errors.Is(j.svc.Err(), gossip.ErrJoinFailed) {
		t.Fatalf("after the Hellos ran out: %v, %v", j.svc.State(), j.svc.Err())
	}
	t.Logf("%d guessed Welcomes refused; the Hello's seq was %#x", guesses, b1)
}

// TestForgedDataBurstDoesNotCostAMissedNodeItsRepairs is the black-box
// attack on a plaintext cluster's data logs: a node misses 35 payloads of
// one origin, then a forger floods the others with Data of invented
// origins, many times what their logs hold. Before, the burst pushed the
// genuine entries out of every log and 34 of the 35 were never repaired.
// Now data of origins a node does not know takes only the room its
// members' data leaves, so the missed node gets all 35 back.
func TestForgedDataBurstDoesNotCostAMissedNodeItsRepairs(t *testing.T) {
	c := startCluster(t, 4, nil)
	origin, missed := c.nodes[1], c.nodes[3]
	blind := true
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		h, _, err := message.ParseHeader(b)
		return blind && err == nil && to == addrOf(missed) && h.Type == message.TypeData
	}
	for s := range 35 {
		if err := origin.svc.SendData(fmt.Appendf(nil, "genuine %d", s)); err != nil {
			t.Fatal(err)
		}
		c.run(50 * time.Millisecond)
	}
	logBytes := c.cfgOf().DataLogBytes
	forger := memnet.Addr(9667)
	payload := make([]byte, 400)
	sent := 0
	for i := 0; sent < 4*logBytes; i++ {
		d := wire(t, &message.Data{Origin: 0xf0000000 + uint64(i), OriginSeq: 1, Payload: payload}, uint32(i+1))
		for _, n := range c.nodes[:3] {
			n.ep.Inject(forger, d)
		}
		sent += len(d)
		if i%20 == 0 {
			c.pump()
		}
	}
	c.pump()
	for i, n := range c.nodes[:3] {
		if st := n.svc.Stats(); st.DataLogBytes > logBytes {
			t.Fatalf("node %d holds %d bytes of log", i, st.DataLogBytes)
		}
	}
	blind = false
	c.run(5 * time.Second)
	got := 0
	for s := uint32(1); s <= 35; s++ {
		if missed.got[key(origin.svc.ID(), s)] == 1 {
			got++
		}
	}
	if got != 35 {
		t.Fatalf("the missed node got %d of its 35 payloads back after a burst of %d forged bytes per node", got, sent)
	}
	t.Logf("35 of 35 repaired after %d forged bytes per node (%d times the log)", sent, sent/logBytes)
}

// bytesTo counts, through the network's filter, what the cluster sends to
// one address.
func bytesTo(c *cluster, to netip.AddrPort) *int {
	n := new(int)
	prev := c.net.Filter
	c.net.Filter = func(from, dst netip.AddrPort, b []byte) bool {
		if dst == to {
			*n += len(b)
		}
		return prev != nil && prev(from, dst, b)
	}
	return n
}

// TestStrangersStatusOrHelloDrawsAtMostItsOwnSize is the reflection
// attack: a spoofer sends a node a Status, a Hello or a Data with a
// victim's source address, and the victim gets the answers. Before, a
// 22-byte Status from a stranger drew 4,587 bytes (208×: an Ack and
// RepairBudget repairs, retried), and a Hello the member lists, then the
// whole cluster's probes and greetings once the newcomer was announced.
// Now, to an address that has not proved it receives, a node sends Acks
// and an empty MemberList asking it to prove itself, within what came
// from it plus 4 bytes, and holds everything else back until it does,
// which a victim that never asked never will; a newcomer is not passed on
// to the cluster before it has, and is removed as failed when the probes
// held back from it run out. The bytes counted are all the cluster sent
// to the victim in the 30 s after.
func TestStrangersStatusOrHelloDrawsAtMostItsOwnSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		dg   func(victim netip.AddrPort) []byte
	}{
		{"Status", func(netip.AddrPort) []byte { return status(t, 1, 0x5eed, 0) }},
		{"empty Status", func(netip.AddrPort) []byte { return status(t, 1) }},
		{"Hello", func(v netip.AddrPort) []byte {
			return wire(t, &message.Hello{Member: message.Member{ID: 0x5eed, Addr: v}}, 1)
		}},
		{"Data of an unknown origin", func(netip.AddrPort) []byte {
			return wire(t, &message.Data{Origin: 0x5eed, OriginSeq: 1, Payload: []byte("x")}, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, 4, nil)
			for i, n := range c.nodes {
				for k := range 10 {
					if err := n.svc.SendData(fmt.Appendf(nil, "payload %d of node %d, long enough to be worth repairing", k, i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			c.run(time.Second)
			victim := memnet.Addr(9668)
			got := bytesTo(c, victim)
			dg := tc.dg(victim)
			target := c.nodes[0]
			target.ep.Inject(victim, dg)
			c.run(30 * time.Second) // every retry, every hold, and what the rest of the cluster does
			st := target.svc.Stats()
			if *got > len(dg)+4 {
				t.Fatalf("a %d-byte %s drew %d bytes to its spoofed source (%.1f×)", len(dg), tc.name, *got, float64(*got)/float64(len(dg)))
			}
			for i, n := range c.nodes {
				for _, m := range n.svc.Members() {
					if m.ID == 0x5eed {
						t.Fatalf("node %d lists the address that never answered, 30 s on", i)
					}
				}
			}
			if st.AnswersWithheld == 0 && tc.name != "empty Status" {
				t.Fatalf("nothing withheld: %+v", st)
			}
			t.Logf("a %d-byte %s drew %d bytes (%.2f×); %d answers held back, %d dropped unsent",
				len(dg), tc.name, *got, float64(*got)/float64(len(dg)), st.AnswersWithheld, st.AnswersUnsent)
			c.checkDisseminates(c.nodes[1], "after the reflection attempt", 5*time.Second)
		})
	}
}

// TestAnswersFollowOnceTheAddressProvesItself: a member the node did not
// know (it missed the announcement) sends it a round's Status, led by its
// own record; the node acks, asks it to prove itself with an empty
// MemberList, and holds the repairs and its greeting back; the member
// acknowledges the challenge, and the repairs and the greeting go out at
// once. Nothing is lost to the limit, and the two come to know each other.
func TestAnswersFollowOnceTheAddressProvesItself(t *testing.T) {
	c := startCluster(t, 3, nil)
	a := c.nodes[0]
	for k := range 5 {
		if err := a.svc.SendData(fmt.Appendf(nil, "payload %d", k)); err != nil {
			t.Fatal(err)
		}
	}
	c.run(time.Second)
	w := newWireClient(t, c, 9101, 0x00c1e47c1e48, nil)
	w.vector[w.id] = 0 // its own record: it has originated nothing
	before := a.svc.Stats()
	w.status(addrOf(a), false)
	c.pump() // no time passes
	st := a.svc.Stats()
	if st.Challenges != before.Challenges+1 || st.AnswersWithheld == before.AnswersWithheld {
		t.Fatalf("challenges %d, withheld %d; want a challenge and answers held back",
			st.Challenges-before.Challenges, st.AnswersWithheld-before.AnswersWithheld)
	}
	if w.dataIn < 5 || !w.welcome && st.Greetings == before.Greetings {
		t.Fatalf("after the client answered the challenge: %d Data in, greeted %d", w.dataIn, st.Greetings-before.Greetings)
	}
	if st.AnswersUnsent != before.AnswersUnsent {
		t.Fatalf("%d answers dropped unsent", st.AnswersUnsent-before.AnswersUnsent)
	}
}
