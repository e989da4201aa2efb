package gossip_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// Floods over the in-memory network. Each floods one node of a five-node
// cluster, checks the bounds as it goes, and ends by checking that the
// cluster still spreads a new payload to every node exactly once.

// floodScale scales a flood down under the race detector and -short, so
// that `go test -race ./...` stays quick; the full sizes run without.
func floodScale(n int) int {
	switch {
	case raceEnabled:
		return n / 20
	case testing.Short():
		return n / 10
	}
	return n
}

// batch is what one Receive handles of a flood: MaxOutboundMessages/4.
const batch = 25

// flood injects datagrams into n in batches, letting n receive and send
// after each and the whole cluster run for every 40 batches, and checks
// every node's bounds after each step.
func (c *cluster) flood(n *tnode, count int, next func(i int) (netip.AddrPort, []byte), after func(i int)) {
	c.t.Helper()
	for i := 0; i < count; {
		for j := 0; j < batch && i < count; j++ {
			from, b := next(i)
			n.ep.Inject(from, b)
			i++
		}
		if _, err := n.svc.Receive(); err != nil {
			c.t.Fatalf("Receive: %v", err)
		}
		if _, err := n.svc.Send(); err != nil {
			c.t.Fatalf("Send: %v", err)
		}
		checkBounds(c.t, n.svc, c.cfgOf(), "flood")
		if i%(40*batch) == 0 {
			c.run(10 * time.Millisecond)
			c.checkAllBounds("flood")
		}
		if after != nil {
			after(i)
		}
	}
	drain(c.t, n)
}

func TestFloodOfRandomDatagrams(t *testing.T) {
	count := floodScale(1_000_000)
	c := startCluster(t, 5, nil)
	target := c.nodes[2]
	var senders []netip.AddrPort
	senders = append(senders, strangers(200)...)
	for _, n := range c.nodes { // forged as coming from members too
		senders = append(senders, addrOf(n))
	}
	f := newForger(1, senders, 100)
	malformed := 0
	var m message.Message
	before := target.svc.Stats()
	start := time.Now()
	c.flood(target, count, func(int) (netip.AddrPort, []byte) {
		b := f.datagram()
		if message.Decode(b, &m) != nil {
			malformed++
		}
		return f.sender(), b
	}, nil)
	st := target.svc.Stats()
	t.Logf("%d datagrams (%d malformed) in %v; dropped %d, delivered %d, members %d, evicted %d messages",
		count, malformed, time.Since(start), st.Dropped.Total()-before.Dropped.Total(),
		st.DataDelivered-before.DataDelivered, target.svc.NumMembers(), st.Evicted-before.Evicted)
	if in := st.DatagramsIn - before.DatagramsIn; in < uint64(count) {
		t.Fatalf("read %d datagrams, injected %d", in, count)
	}
	if d := st.Dropped.Total() - before.Dropped.Total(); d < uint64(malformed) {
		t.Fatalf("dropped %d, but %d were malformed", d, malformed)
	}
	for i, n := range c.nodes {
		if n.svc.State() != gossip.Connected {
			t.Fatalf("node %d is %v after the flood", i, n.svc.State())
		}
	}
	c.checkDisseminates(target, "after random datagrams", 5*time.Minute)
	c.checkDisseminates(c.nodes[0], "and from another node", time.Minute)
}

func TestFloodOfHellosFromDistinctForgedAddresses(t *testing.T) {
	count := floodScale(100_000)
	c := startCluster(t, 5, nil)
	target := c.nodes[0]
	cfg := c.cfgOf()
	original := c.members(target)
	from := strangers(count)
	buf := make([]byte, 64)
	present := func(when string) {
		m := c.members(target)
		if len(m) > cfg.MaxMembers {
			t.Fatalf("%s: %d members, MaxMembers %d", when, len(m), cfg.MaxMembers)
		}
		for id := range original {
			if !m[id] {
				t.Fatalf("%s: original member %v is gone", when, id)
			}
		}
	}
	c.flood(target, count, func(i int) (netip.AddrPort, []byte) {
		h := message.Hello{Member: message.Member{ID: uint64(i)<<20 | 0xabc, Addr: from[i]}}
		n, _ := h.Encode(buf, uint32(i)+1)
		return from[i], buf[:n]
	}, func(i int) {
		if i%(40*batch) == 0 {
			present(fmt.Sprintf("after %d Hellos", i))
		}
	})
	present("after the flood")
	for _, ev := range target.events { // not even for a moment
		if original[ev.Member.ID] && ev.Kind != gossip.MemberJoined {
			t.Fatalf("original member %v: event %v during the flood", ev.Member.ID, ev.Kind)
		}
	}
	st := target.svc.Stats()
	t.Logf("%d Hellos: %d members, %d refused, %d messages evicted", count, target.svc.NumMembers(), st.MembersRefused, st.Evicted)
	if target.svc.NumMembers() != cfg.MaxMembers || st.MembersRefused == 0 {
		t.Fatalf("the flood never filled the table: %d members, %d refused", target.svc.NumMembers(), st.MembersRefused)
	}
	c.checkDisseminates(target, "after the Hellos", 5*time.Minute)
}

// TestForgedAcksDoNotCancelAnEnvelope holds back a member's Acks to a
// node and forges Acks for the member's envelope from everyone else: the
// envelope stays, and is retried.
func TestForgedAcksDoNotCancelAnEnvelope(t *testing.T) {
	c := startCluster(t, 5, nil)
	a := c.nodes[0]
	sent := map[netip.AddrPort][]uint32{} // Data seqs from a, by recipient
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		h, _, err := message.ParseHeader(b)
		if err != nil {
			return false
		}
		if from == addrOf(a) && h.Type == message.TypeData {
			sent[to] = append(sent[to], h.Seq)
		}
		return to == addrOf(a) && h.Type == message.TypeAck // a hears no Acks
	}
	if err := a.svc.SendData([]byte("acked only by its recipient")); err != nil {
		t.Fatal(err)
	}
	c.pump()
	var b, other *tnode
	for _, n := range c.nodes[1:] {
		if len(sent[addrOf(n)]) > 0 && b == nil {
			b = n
		} else if other == nil {
			other = n
		}
	}
	if b == nil || other == nil {
		t.Fatalf("no Data recipient to test with: %v", sent)
	}
	seq := sent[addrOf(b)][0]
	drain(t, a)
	before := a.svc.Stats()
	forged := []struct {
		from netip.AddrPort
		seq  uint32
	}{
		{memnet.Addr(9001), seq}, // a stranger
		{addrOf(other), seq},     // another member
		{addrOf(a), seq},         // a itself
		{netip.AddrPortFrom(netip.MustParseAddr("::ffff:127.0.0.1"), addrOf(b).Port()), seq}, // b's address, IPv4-mapped
		{addrOf(b), seq ^ 1<<24}, // b, naming an earlier use of the slot
		{addrOf(b), seq + 1},     // b, naming another slot
	}
	for _, f := range forged {
		a.ep.Inject(f.from, wire(t, &message.Ack{AckedSeq: f.seq}, 1))
	}
	if k, _ := a.svc.Receive(); k != len(forged) {
		t.Fatalf("handled %d, want %d", k, len(forged))
	}
	st := a.svc.Stats()
	if st.Acked != before.Acked || st.StaleAcks != before.StaleAcks+uint64(len(forged)) || st.QueueEnvelopes != before.QueueEnvelopes {
		t.Fatalf("forged Acks changed the queue: Acked %d -> %d, StaleAcks %d -> %d, envelopes %d -> %d",
			before.Acked, st.Acked, before.StaleAcks, st.StaleAcks, before.QueueEnvelopes, st.QueueEnvelopes)
	}
	c.clock.Advance(c.cfgOf().RetryInterval)
	a.svc.Tick()
	if _, err := a.svc.Send(); err != nil {
		t.Fatal(err)
	}
	if got := sent[addrOf(b)]; len(got) != 2 || got[1] != seq {
		t.Fatalf("Data seqs sent to the recipient %v, want %d retried", got, seq)
	}
	// The recipient's own Ack does cancel it.
	a.ep.Inject(addrOf(b), wire(t, &message.Ack{AckedSeq: seq}, 1))
	a.svc.Receive()
	if st2 := a.svc.Stats(); st2.Acked != st.Acked+1 {
		t.Fatalf("the recipient's Ack was not taken: Acked %d -> %d", st.Acked, st2.Acked)
	}
	c.clock.Advance(c.cfgOf().RetryInterval)
	a.svc.Tick()
	a.svc.Send()
	if got := sent[addrOf(b)]; len(got) != 2 {
		t.Fatalf("Data seqs sent to the recipient %v: retried after its Ack", got)
	}
	c.net.Filter = nil
	c.run(3 * time.Second)
	c.checkDisseminates(a, "after forged Acks", 10*time.Second)
}

// TestUnsolicitedWelcomeIsIgnored: a Welcome that answers no Hello of the
// node's changes nothing, whether it names a seq of no envelope, the seq
// of another kind of envelope (from that envelope's own recipient), or a
// joining node's real Hello but from someone other than the seed.
func TestUnsolicitedWelcomeIsIgnored(t *testing.T) {
	c := startCluster(t, 5, nil)
	a := c.nodes[0]
	data := map[netip.AddrPort][]uint32{}
	var hellos []uint32
	var joiner *tnode
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		h, _, err := message.ParseHeader(b)
		if err != nil {
			return false
		}
		if from == addrOf(a) && h.Type == message.TypeData {
			data[to] = append(data[to], h.Seq)
		}
		if joiner != nil && from == addrOf(joiner) && h.Type == message.TypeJoin {
			hellos = append(hellos, h.Seq)
			return true // the seed never hears it, for now
		}
		return to == addrOf(a) && h.Type == message.TypeAck
	}
	if err := a.svc.SendData([]byte("not a Hello")); err != nil {
		t.Fatal(err)
	}
	c.pump()
	var b *tnode
	for _, n := range c.nodes[1:] {
		if len(data[addrOf(n)]) > 0 {
			b = n
			break
		}
	}
	if b == nil {
		t.Fatal("a sent no Data")
	}
	seq := data[addrOf(b)][0]
	bm := message.Member{ID: uint64(b.svc.ID()), Addr: addrOf(b)}
	welcome := func(to *tnode, from netip.AddrPort, helloSeq uint32, m message.Member) {
		t.Helper()
		dg := wire(t, &message.Welcome{HelloSeq: helloSeq, Member: m}, 1)
		drain(t, to)
		before := snap(to.svc)
		to.ep.Inject(from, dg)
		to.svc.Receive()
		if reason, ok := droppedOnly(before, snap(to.svc), len(dg)); !ok || reason != "Unsolicited" {
			t.Fatalf("Welcome(%d) from %v: %s, want only Dropped.Unsolicited", helloSeq, from, reason)
		}
	}
	welcome(a, addrOf(b), seq, bm)                                                     // names a's Data envelope to b, from b
	welcome(a, addrOf(b), 777, bm)                                                     // names nothing
	welcome(a, memnet.Addr(9001), seq, message.Member{ID: 9, Addr: memnet.Addr(9001)}) // a stranger
	c.clock.Advance(c.cfgOf().RetryInterval)
	a.svc.Tick()
	a.svc.Send()
	if got := data[addrOf(b)]; len(got) < 2 || got[1] != seq {
		t.Fatalf("Data seqs sent to %v: %v, want %d retried despite the Welcome", addrOf(b), got, seq)
	}

	// A joining node, and a Welcome for its real Hello from a non-seed.
	joiner = c.add()
	if err := joiner.svc.Join(a.svc.Addr()); err != nil {
		t.Fatal(err)
	}
	joiner.svc.Send()
	if len(hellos) != 1 {
		t.Fatalf("joiner sent %d Joins", len(hellos))
	}
	stranger := memnet.Addr(9002)
	welcome(joiner, stranger, hellos[0], message.Member{ID: 99, Addr: stranger})
	welcome(joiner, addrOf(b), hellos[0], bm)                                                           // a member, but not the seed
	welcome(joiner, addrOf(a), hellos[0]+1000, message.Member{ID: uint64(a.svc.ID()), Addr: addrOf(a)}) // the seed, wrong seq
	if joiner.svc.State() != gossip.Joining {
		t.Fatalf("joiner is %v", joiner.svc.State())
	}
	c.net.Filter = nil
	c.run(5 * time.Second)
	for i, n := range c.nodes {
		if n.svc.State() != gossip.Connected || len(c.members(n)) != len(c.nodes)-1 {
			t.Fatalf("node %d is %v with %d members", i, n.svc.State(), len(c.members(n)))
		}
	}
	c.checkDisseminates(a, "after unsolicited Welcomes", 10*time.Second)
}

// TestDataWithWrongPayloadLengthIsDropped: a len field that promises more
// or fewer bytes than the datagram carries drops the datagram; it is not
// delivered, not acknowledged, not forwarded; the well-formed one is.
func TestDataWithWrongPayloadLengthIsDropped(t *testing.T) {
	c := startCluster(t, 5, nil)
	a, b := c.nodes[0], c.nodes[1]
	d := message.Data{Origin: 0xbad, OriginSeq: 1, Payload: []byte("twenty bytes of data")}
	good := wire(t, &d, 1)
	setLen := func(n uint16) []byte {
		x := slices.Clone(good)
		x[20], x[21] = byte(n>>8), byte(n)
		return x
	}
	bad := [][]byte{
		setLen(21), setLen(19), setLen(0), setLen(0xffff), setLen(uint16(c.cfgOf().MaxMessageSize)),
		good[:len(good)-1],
		append(slices.Clone(good), 'x'),
		setLen(21)[:len(good)-1],
	}
	for _, x := range bad {
		drain(t, a)
		before := snap(a.svc)
		a.ep.Inject(addrOf(b), x)
		a.svc.Receive()
		if reason, ok := droppedOnly(before, snap(a.svc), len(x)); !ok || (reason != "Short" && reason != "Trailing") {
			t.Fatalf("Data %x: %s, want dropped as Short or Trailing", x, reason)
		}
	}
	c.run(time.Second)
	k := key(0xbad, 1)
	for i, n := range c.nodes {
		if n.got[k] != 0 {
			t.Fatalf("node %d got the payload of a malformed Data", i)
		}
	}
	a.ep.Inject(addrOf(b), good)
	c.run(3 * time.Second)
	for i, n := range c.nodes {
		if n.got[k] != 1 {
			t.Fatalf("node %d got the well-formed Data %d times, want 1", i, n.got[k])
		}
	}
	c.checkDisseminates(a, "after bad lengths", 10*time.Second)
}

// TestDuplicateAndReplayedDataIsDeliveredOnce sends one node the same
// payloads again and again: the same datagram, the same payload under
// other seqs and from other senders, out of order, and after a long wait.
// Each is delivered once, everywhere; each copy is still acknowledged.
func TestDuplicateAndReplayedDataIsDeliveredOnce(t *testing.T) {
	c := startCluster(t, 5, nil)
	a := c.nodes[0]
	const origin = 0xfeed
	datagram := func(seq, hseq uint32) []byte {
		return wire(t, &message.Data{Origin: origin, OriginSeq: seq, Payload: []byte{byte(seq)}}, hseq)
	}
	froms := []netip.AddrPort{addrOf(c.nodes[1]), addrOf(c.nodes[2]), memnet.Addr(9001), addrOf(a)}
	acks, sent := 0, 0 // Acks from a naming the first sender's datagrams, and those datagrams
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		var m message.Message
		if message.Decode(b, &m) == nil && m.Header.Type == message.TypeAck && m.Ack.AckedSeq == 1 && from == addrOf(a) && to == froms[0] {
			acks++
		}
		return false
	}
	inject := func(seqs ...uint32) {
		for _, s := range seqs {
			for i, f := range froms {
				a.ep.Inject(f, datagram(s, uint32(i+1)))
				a.ep.Inject(f, datagram(s, uint32(i+1))) // the very same datagram twice
			}
			sent += 2
		}
		c.run(500 * time.Millisecond)
	}
	inject(1, 3)            // a gap at 2
	inject(2)               // fills it
	inject(1, 2, 3)         // replays
	c.run(10 * time.Minute) // beyond GapTimeout, TombstonePeriod, every retry
	inject(3, 2, 1)         // replays, much later, in reverse
	own := c.nodes[3]       // a node's own payload, replayed to it
	if err := own.svc.SendData([]byte("own")); err != nil {
		t.Fatal(err)
	}
	c.run(time.Second)
	ownDatagram := wire(t, &message.Data{Origin: uint64(own.svc.ID()), OriginSeq: 1, Payload: []byte("own")}, 1)
	own.ep.Inject(addrOf(a), ownDatagram)
	a.ep.Inject(addrOf(c.nodes[4]), ownDatagram)
	c.run(time.Second)
	for i, n := range c.nodes {
		for s := uint32(1); s <= 3; s++ {
			if n.got[key(origin, s)] != 1 {
				t.Fatalf("node %d got %v %d times, want 1", i, key(origin, s), n.got[key(origin, s)])
			}
		}
		if n != own && n.got[key(own.svc.ID(), 1)] != 1 {
			t.Fatalf("node %d got the own payload %d times", i, n.got[key(own.svc.ID(), 1)])
		}
		if n == own && n.got[key(own.svc.ID(), 1)] != 0 {
			t.Fatal("a node was handed its own payload")
		}
	}
	if acks != sent {
		t.Fatalf("%d of the %d copies from one sender were acknowledged, want all", acks, sent)
	}
	if st := a.svc.Stats(); st.DataDuplicates == 0 {
		t.Fatal("no duplicates counted")
	}
	c.checkDisseminates(a, "after replays", 10*time.Second)
}

// TestAckNamingAHelloDoesNotStrandTheJoiner: only a Welcome answers a
// join request (a Join, then a Hello). An Ack naming the Join's seq, from
// the seed's address (a spoofed source, or a confused seed), must not
// cancel it: the joiner would wait for a Welcome no retry asks for,
// JOINING for ever.
func TestAckNamingAHelloDoesNotStrandTheJoiner(t *testing.T) {
	c := startCluster(t, 3, nil)
	seed := c.nodes[0]
	joiner := c.add()
	var hellos []uint32
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		h, _, err := message.ParseHeader(b)
		if err == nil && from == addrOf(joiner) && h.Type == message.TypeJoin {
			hellos = append(hellos, h.Seq)
			return len(hellos) == 1 // the first attempt is lost
		}
		return false
	}
	if err := joiner.svc.Join(seed.svc.Addr()); err != nil {
		t.Fatal(err)
	}
	joiner.svc.Send()
	drain(t, joiner)
	before := joiner.svc.Stats()
	joiner.ep.Inject(addrOf(seed), wire(t, &message.Ack{AckedSeq: hellos[0]}, 1))
	joiner.svc.Receive()
	if st := joiner.svc.Stats(); st.Acked != before.Acked || st.QueueEnvelopes != before.QueueEnvelopes {
		t.Fatalf("an Ack cancelled the Hello: Acked %d -> %d, envelopes %d -> %d", before.Acked, st.Acked, before.QueueEnvelopes, st.QueueEnvelopes)
	}
	c.run(5 * time.Second)
	if joiner.svc.State() != gossip.Connected {
		t.Fatalf("joiner is %v after the Hello's retries", joiner.svc.State())
	}
	c.checkDisseminates(seed, "after the joiner got in", 10*time.Second)
}
