package gossip_test

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// TestEveryDropIsCountedUnderItsOwnReason feeds one malformed or unexpected
// datagram of each kind to a node and checks that it increments exactly
// its own Dropped field and changes nothing else: not the members, not
// the state, not one other counter beyond DatagramsIn and BytesIn, not
// the outbound queue (no Ack, no greeting, no reply of any kind).
func TestEveryDropIsCountedUnderItsOwnReason(t *testing.T) {
	c := startCluster(t, 3, nil)
	conn := c.nodes[0]
	peer := c.nodes[1]
	peerAddr := addrOf(peer)
	peerMember := message.Member{ID: uint64(peer.svc.ID()), Addr: peerAddr}
	stranger := memnet.Addr(9001)
	strangerMember := message.Member{ID: 0x5151, Addr: stranger}

	joining := c.add()
	if err := joining.svc.Join(maddr(memnet.Addr(9999))); err != nil { // a seed that never answers
		t.Fatal(err)
	}
	initialized := c.add()

	ack := wire(t, &message.Ack{AckedSeq: 1}, 1)
	data := wire(t, &message.Data{Origin: 0xd1, OriginSeq: 1, Payload: []byte("payload")}, 1)
	hello := wire(t, &message.Hello{Member: strangerMember}, 1)
	with := func(b []byte, off int, v byte) []byte {
		b = slices.Clone(b)
		b[off] = v
		return b
	}
	maxPayload := conn.svc.MaxPayload()

	cases := []struct {
		name string
		to   *tnode
		from netip.AddrPort
		b    []byte
		want string // the Dropped field
	}{
		{"empty datagram", conn, peerAddr, nil, "Short"},
		{"short header", conn, peerAddr, ack[:7], "Short"},
		{"short Ack body", conn, peerAddr, ack[:10], "Short"},
		{"short Data from a member", conn, peerAddr, data[:len(data)-1], "Short"},
		{"short Data from a stranger", conn, stranger, data[:len(data)-1], "Short"},
		{"short Status from a stranger", conn, stranger, status(t, 1, 0xd1, 1)[:15], "Short"},
		{"short MemberList from a stranger", conn, stranger, memberList(t, 1, strangerMember)[:12], "Short"},
		{"Data len beyond the datagram", conn, stranger, with(data, 21, byte(len("payload")+1)), "Short"},
		{"Ack with a trailing byte", conn, peerAddr, append(slices.Clone(ack), 0), "Trailing"},
		{"Data len short of the datagram", conn, stranger, with(data, 21, byte(len("payload")-1)), "Trailing"},
		{"Status with a trailing byte", conn, stranger, append(status(t, 1), 0), "Trailing"},
		{"type 0", conn, peerAddr, with(ack, 1, 0), "UnknownType"},
		{"type 200", conn, peerAddr, with(ack, 1, 200), "UnknownType"},
		{"type 0xff04", conn, peerAddr, with(ack, 0, 0xff), "UnknownType"},
		{"version 0", conn, peerAddr, with(ack, 2, 0), "Version"},
		{"version 2", conn, peerAddr, with(ack, 2, 2), "Version"},
		{"flags", conn, peerAddr, with(ack, 3, 1), "Flags"},
		{"flags on Data from a stranger", conn, stranger, with(data, 3, 0x80), "Flags"},
		{"Hello with a tcp address", conn, stranger, with(hello, 17+5, 0x06), "Address"},
		{"Hello with addrLen 0", conn, stranger, with(hello, 16, 0), "Address"},
		{"MemberList with a bad address from a stranger", conn, stranger, with(memberList(t, 1, strangerMember), 19, 0x05), "Address"},
		{"Hello with id 0", conn, stranger, wireZeroID(hello), "Invalid"},
		{"Data with origin 0 from a stranger", conn, stranger, with(data, 15, 0), "Invalid"},
		{"Data with originSeq 0 from a member", conn, peerAddr, with(data, 19, 0), "Invalid"},
		{"Status with record id 0 from a stranger", conn, stranger, with(status(t, 1, 0xd1, 1), 17, 0), "Invalid"},
		{"MemberList with member id 0 from a stranger", conn, stranger, zeroed(memberList(t, 1, strangerMember), 10, 18), "Invalid"},
		{"Leave with member id 0", conn, peerAddr, wireZeroID(wire(t, &message.Leave{Member: peerMember}, 1)), "Invalid"},
		{"valid Data one byte over MaxMessageSize", conn, peerAddr,
			wire(t, &message.Data{Origin: 0xd1, OriginSeq: 2, Payload: make([]byte, maxPayload+1)}, 1), "Oversize"},
		{"garbage far over MaxMessageSize", conn, stranger, make([]byte, 4096), "Oversize"},
		{"sealed", conn, peerAddr, with(with(ack, 1, 8), 3, 7), "Sealed"},
		{"sealed header only", conn, stranger, with(ack, 1, 8)[:8], "Sealed"},
		{"Hello while JOINING", joining, stranger, hello, "State"},
		{"Data before Join", initialized, peerAddr, data, "State"},
		{"Hello before Join", initialized, stranger, hello, "State"},
		{"Welcome answering no Hello", conn, peerAddr, wire(t, &message.Welcome{HelloSeq: 12345, Member: peerMember}, 1), "Unsolicited"},
		{"Welcome while JOINING from a non-seed", joining, stranger, wire(t, &message.Welcome{HelloSeq: 1, Member: strangerMember}, 1), "Unsolicited"},
		{"Leave naming a member, from another address", conn, stranger, wire(t, &message.Leave{Member: peerMember}, 1), "Spoofed"},
		{"Leave naming a member, from another member", conn, addrOf(c.nodes[2]), wire(t, &message.Leave{Member: peerMember}, 1), "Spoofed"},
		{"Hello claiming our id", conn, stranger, wire(t, &message.Hello{Member: message.Member{ID: uint64(conn.svc.ID()), Addr: stranger}}, 1), "Self"},
		{"Welcome claiming our id", conn, peerAddr, wire(t, &message.Welcome{HelloSeq: 1, Member: message.Member{ID: uint64(conn.svc.ID()), Addr: peerAddr}}, 1), "Self"},
		{"another cluster's labelled Data", conn, peerAddr, label.Wrap(nil, "other", data), "Label"},
		{"a labelled datagram cut short", conn, stranger, label.Wrap(nil, "other", data)[:6], "Label"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			drain(t, tc.to)
			before := snap(tc.to.svc)
			tc.to.ep.Inject(tc.from, tc.b)
			if k, err := tc.to.svc.Receive(); k != 1 || err != nil {
				t.Fatalf("Receive = %d, %v; want 1 datagram", k, err)
			}
			size := min(len(tc.b), c.cfgOf().MaxMessageSize+1) // what a datagram socket reads
			reason, ok := droppedOnly(before, snap(tc.to.svc), size)
			if !ok {
				t.Fatal(reason)
			}
			if reason != tc.want {
				t.Fatalf("counted as Dropped.%s, want Dropped.%s", reason, tc.want)
			}
			seen[reason] = true
		})
	}
	// Every reason the service can count is exercised above.
	var d gossip.Drops
	for _, f := range fieldNames(d) {
		if !seen[f] {
			t.Errorf("no case for Dropped.%s", f)
		}
	}
	joining.down, initialized.down = true, true // not part of the cluster
	c.run(2 * time.Second)
	c.checkDisseminates(conn, "after the drops", 5*time.Second)
}

// wireZeroID zeroes the member id of an encoded Hello or Leave.
func wireZeroID(b []byte) []byte { return zeroed(b, message.HeaderSize, message.HeaderSize+8) }

// zeroed returns a copy of b with b[from:to] zeroed.
func zeroed(b []byte, from, to int) []byte {
	b = slices.Clone(b)
	clear(b[from:to])
	return b
}

// fieldNames returns the names of a struct's fields.
func fieldNames(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := range t.NumField() {
		out = append(out, t.Field(i).Name)
	}
	return out
}
