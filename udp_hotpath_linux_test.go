//go:build linux && !386 && !s390x

package gossip_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// TestRealUDPHotPathDoesNotAllocate is the allocation contract over the
// default transport, batched system calls included: a service on a real
// loopback socket receives a Data, acknowledges, delivers and forwards it
// to three members, and handles their Acks, with no heap allocation once
// warm. Loopback delivers a datagram during the system call that sends
// it, so the test needs no waiting.
func TestRealUDPHotPathDoesNotAllocate(t *testing.T) {
	svc, err := gossip.New(gossip.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.Join(); err != nil {
		t.Fatal(err)
	}
	self, _ := udp.AddrPortFromMultiaddr(svc.Addr())
	buf, in := make([]byte, 600), make([]byte, 600)
	var peers []*udp.Conn
	for i := range 4 {
		c, err := udp.Listen(netip.MustParseAddrPort("127.0.0.1:0"), udp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		peers = append(peers, c)
		h := message.Hello{Member: message.Member{ID: uint64(100 + i), Addr: c.LocalAddr()}}
		n, _ := h.Encode(buf, 1)
		if err := c.WriteTo(buf[:n], self); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	failed := false
	turn := func() {
		for {
			if _, err := svc.Receive(); err != nil {
				failed = true
			}
			if _, err := svc.Send(); err != nil {
				failed = true
			}
			answered := false
			for _, p := range peers {
				for {
					n, from, err := p.ReadFrom(in)
					if errors.Is(err, transport.ErrWouldBlock) {
						break
					}
					if err != nil {
						failed = true
						break
					}
					hd, _, err := message.ParseHeader(in[:n])
					if err != nil || hd.Type == message.TypeAck || hd.Type == message.TypeWelcome {
						continue
					}
					a := message.Ack{AckedSeq: hd.Seq}
					k, _ := a.Encode(buf, 1)
					if p.WriteTo(buf[:k], from) != nil {
						failed = true
					}
					answered = true
				}
				if p.Flush() != nil {
					failed = true
				}
			}
			if !answered {
				return
			}
		}
	}
	var seq uint32
	data := func() {
		seq++
		d := message.Data{Origin: 999, OriginSeq: seq, Payload: []byte("steady-state payload of 32 bytes")}
		n, _ := d.Encode(buf, seq)
		if peers[0].WriteTo(buf[:n], self) != nil || peers[0].Flush() != nil {
			failed = true
		}
	}
	turn()
	if svc.NumMembers() != 4 {
		t.Fatalf("setup: %d members", svc.NumMembers())
	}
	for range 200 {
		data()
		turn()
	}
	if a := testing.AllocsPerRun(500, func() {
		data()
		turn()
	}); a != 0 {
		t.Fatalf("%v allocations per Data datagram over real UDP, want 0", a)
	}
	st := svc.Stats()
	if failed || st.DataForwarded < 700 || st.Evicted != 0 || st.Expired != 0 || st.SendErrors != 0 {
		t.Fatalf("not the steady state meant (failed %v): %+v", failed, st)
	}
}
