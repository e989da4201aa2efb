package gossip_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// basePeer is a client written from the base wire format alone: the seven
// base types, the base delivery rules, nothing else. It drops every
// extension datagram, as the shared format tells a peer to.
type basePeer struct {
	id      uint64
	ep      *memnet.Endpoint
	members map[uint64]netip.AddrPort
	seq     uint32
	joined  bool
	got     map[[2]uint64]int // (origin, seq) -> deliveries
	ownSeq  uint32
	ext     map[message.Type]int // extension datagrams received, by type
	buf     [message.DefaultMaxMessageSize + 1]byte
	out     [message.DefaultMaxMessageSize]byte
}

func (p *basePeer) self() message.Member { return message.Member{ID: p.id, Addr: p.ep.LocalAddr()} }

func (p *basePeer) send(to netip.AddrPort, n int, err error) {
	if err == nil {
		p.ep.WriteTo(p.out[:n], to)
	}
}

func (p *basePeer) next() uint32 { p.seq++; return p.seq }

func (p *basePeer) ack(to netip.AddrPort, seq uint32) {
	a := message.Ack{AckedSeq: seq}
	n, err := a.Encode(p.out[:], p.next())
	p.send(to, n, err)
}

// receive handles what arrived, by the base rules.
func (p *basePeer) receive() {
	for {
		n, from, err := p.ep.ReadFrom(p.buf[:])
		if err != nil {
			return
		}
		var m message.Message
		if err := message.Decode(p.buf[:n], &m); err != nil {
			continue
		}
		if m.Header.Type.IsExtension() {
			p.ext[m.Header.Type]++ // unknown to a base peer: dropped
			continue
		}
		switch m.Header.Type {
		case message.TypeWelcome:
			p.joined = true
			p.members[m.Welcome.Member.ID] = m.Welcome.Member.Addr
		case message.TypeHello:
			p.members[m.Hello.Member.ID] = m.Hello.Member.Addr
			w := message.Welcome{HelloSeq: m.Header.Seq, Member: p.self()}
			n, err := w.Encode(p.out[:], p.next())
			p.send(from, n, err)
		case message.TypeMemberList:
			for it := m.MemberList.Iter(); ; {
				mb, ok := it.Next()
				if !ok {
					break
				}
				if mb.ID != p.id {
					p.members[mb.ID] = mb.Addr
				}
			}
			p.ack(from, m.Header.Seq)
		case message.TypeData:
			p.ack(from, m.Header.Seq)
			p.got[[2]uint64{m.Data.Origin, uint64(m.Data.OriginSeq)}]++
		case message.TypeStatus:
			p.ack(from, m.Header.Seq)
		case message.TypeLeave:
			delete(p.members, m.Leave.Member.ID)
		}
	}
}

// round sends a Status of its own data to a random member, and, every
// few rounds, a payload of its own to every member it knows.
func (p *basePeer) round(r *rand.Rand, publish bool) {
	var to []netip.AddrPort
	for _, a := range p.members {
		to = append(to, a)
	}
	if len(to) == 0 {
		return
	}
	w, _ := message.NewStatusWriter(p.out[:], p.next())
	w.Add(p.id, p.ownSeq)
	p.send(to[r.IntN(len(to))], w.Finish(), nil)
	if publish {
		p.ownSeq++
		d := message.Data{Origin: p.id, OriginSeq: p.ownSeq, Payload: []byte("from the base peer")}
		for _, a := range to {
			n, err := d.Encode(p.out[:], p.next())
			p.send(a, n, err)
		}
	}
}

// TestBaseFormatPeerInteroperates: a client that knows only the seven
// base types joins a cluster of nodes that run the failure detector and
// the extensions. For two minutes it gets every payload, its payloads
// reach every node, it is never suspected or removed, and nothing but
// Joins (a greeting's first try, which a Hello follows) reaches it of the
// extensions. Stopped, it is removed by the base rule: its envelopes
// expire after RetryAttempts × RetryInterval.
func TestBaseFormatPeerInteroperates(t *testing.T) {
	c := startCluster(t, 5, nil)
	p := &basePeer{id: 0xba5e, ep: c.net.Listen(memnet.Addr(7900)), members: map[uint64]netip.AddrPort{},
		got: map[[2]uint64]int{}, ext: map[message.Type]int{}}
	c.peers = append(c.peers, p.receive)
	h := message.Hello{Member: p.self()}
	n, err := h.Encode(p.out[:], p.next())
	p.send(addrOf(c.nodes[0]), n, err)
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 1200 { // 120 s of rounds of 100 ms, the test cluster's TickInterval
		c.run(100 * time.Millisecond)
		p.receive()
		if p.joined {
			p.round(r, step%50 == 49)
		}
		if step%100 == 99 {
			if err := c.nodes[step/100%len(c.nodes)].svc.SendData([]byte("from a node")); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.run(time.Second)
	p.receive()
	if !p.joined || len(p.members) != len(c.nodes) {
		t.Fatalf("the base peer joined %v and knows %d members, want all %d", p.joined, len(p.members), len(c.nodes))
	}
	for i, nd := range c.nodes {
		if !c.members(nd)[gossip.NodeID(p.id)] {
			t.Fatalf("node %d does not list the base peer", i)
		}
		for _, ev := range nd.events {
			if ev.Member.ID == gossip.NodeID(p.id) && ev.Kind != gossip.MemberJoined {
				t.Fatalf("node %d: %v event for the base peer", i, ev.Kind)
			}
		}
		if got := nd.svc.Stats().Detector.SuspicionsRaised; got != 0 {
			t.Fatalf("node %d raised %d suspicions", i, got)
		}
		for k, times := range nd.got {
			if times != 1 {
				t.Fatalf("node %d got %s %d times", i, k, times)
			}
		}
		if want := 24; len(nd.got) < want {
			t.Fatalf("node %d got %d payloads, want the base peer's 24 and the others'", i, len(nd.got))
		}
	}
	if len(p.got) != 12 {
		t.Fatalf("the base peer got %d payloads, want the 12 the nodes sent", len(p.got))
	}
	for typ, k := range p.ext {
		if typ != message.TypeJoin {
			t.Fatalf("the base peer was sent %d datagrams of extension type %v", k, typ)
		}
	}

	// Stopped (its datagrams dropped, nothing answered): the base rule.
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool { return to == p.ep.LocalAddr() }
	bound := time.Duration(c.cfgOf().RetryAttempts+1)*c.cfgOf().RetryInterval + time.Duration(len(c.nodes)+1)*c.cfgOf().TickInterval
	took, ok := c.waitUntil(func() bool { return len(c.listedBy(gossip.NodeID(p.id))) == 0 }, 10*time.Millisecond, 2*bound)
	if !ok {
		t.Fatalf("the stopped base peer is still listed by %v after %v", c.listedBy(gossip.NodeID(p.id)), took)
	}
	t.Logf("the stopped base peer removed by the base rule after %v (bound %v)", took, bound)
}
