package gossip_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// basePeer is a peer that knows only the seven base types, as a client
// written from the shared wire format alone would: it joins with a Hello,
// acknowledges every MemberList, Data and Status, and drops anything of
// another type, as the format says an unknown type is dropped.
type basePeer struct {
	id      uint64
	ep      *memnet.Endpoint
	got     map[string]int // "origin/seq" -> Data received
	types   map[message.Type]int
	welcome bool
	buf     []byte
	out     []byte
}

func newBasePeer(c *cluster, port uint16, id uint64) *basePeer {
	p := &basePeer{id: id, ep: c.net.Listen(memnet.Addr(port)), got: map[string]int{},
		types: map[message.Type]int{}, buf: make([]byte, 2048), out: make([]byte, 64)}
	c.peers = append(c.peers, p.answer)
	return p
}

func (p *basePeer) answer() {
	for {
		n, from, err := p.ep.ReadFrom(p.buf)
		if err == transport.ErrWouldBlock {
			return
		}
		if err != nil {
			panic(err)
		}
		var m message.Message
		if err := message.Decode(p.buf[:n], &m); err != nil {
			panic(err)
		}
		p.types[m.Header.Type]++
		switch m.Header.Type {
		case message.TypeWelcome:
			p.welcome = true
		case message.TypeData:
			p.got[fmt.Sprintf("%x/%d", m.Data.Origin, m.Data.OriginSeq)]++
			p.ack(from, m.Header.Seq)
		case message.TypeMemberList, message.TypeStatus:
			p.ack(from, m.Header.Seq)
		}
	}
}

func (p *basePeer) ack(to netip.AddrPort, seq uint32) {
	a := message.Ack{AckedSeq: seq}
	k, _ := a.Encode(p.out, 1)
	if err := p.ep.WriteTo(p.out[:k], to); err != nil {
		panic(err)
	}
}

// TestBasePeerGetsDataAndStays: among services that pass rumors on as
// one Data and Copies, a member that knows only the base types gets every
// payload as a Data, never a Copy, and acknowledging them as the base
// rules say keeps it a member everywhere.
func TestBasePeerGetsDataAndStays(t *testing.T) {
	c := newCluster(t, nil)
	base := newBasePeer(c, 7100, 0xba5e)
	c.start(6)
	hello := message.Hello{Member: message.Member{ID: base.id, Addr: base.ep.LocalAddr()}}
	k, _ := hello.Encode(base.buf, 1)
	if err := base.ep.WriteTo(base.buf[:k], c.nodes[0].ep.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	c.run(2 * time.Second)
	if !base.welcome {
		t.Fatal("the base peer was not welcomed")
	}
	want := 0
	for round := range 5 {
		for i, n := range c.nodes {
			if err := n.svc.SendData(fmt.Appendf(nil, "round %d from %d", round, i)); err != nil {
				t.Fatal(err)
			}
			want++
		}
		c.run(200 * time.Millisecond)
	}
	c.run(5 * time.Second)
	if len(base.got) != want {
		t.Errorf("the base peer got %d of the %d payloads", len(base.got), want)
	}
	if base.types[message.TypeCopy] != 0 {
		t.Errorf("the base peer was sent %d Copies", base.types[message.TypeCopy])
	}
	for i, n := range c.nodes {
		if !c.members(n)[gossip.NodeID(base.id)] {
			t.Errorf("node %d does not hold the base peer as a member", i)
		}
		if st := n.svc.Stats(); st.MembersFailed != 0 {
			t.Errorf("node %d removed %d members as failed", i, st.MembersFailed)
		}
		if len(n.got) != want-5 {
			t.Errorf("node %d got %d payloads, want %d", i, len(n.got), want-5)
		}
	}
	t.Logf("the base peer received %v", base.types)
}
