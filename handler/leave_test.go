package handler_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

func TestLeave(t *testing.T) {
	for _, c := range []struct {
		name    string
		from    uint64
		leaving message.Member
		members []uint64
		events  []event
		drops   map[string]uint64
	}{
		{"from the member itself", 1, mem(1), []uint64{2}, []event{{node.MemberLeft, 1}}, nil},
		{"naming a member at another address", 2, mem(1), []uint64{1, 2}, nil, map[string]uint64{"spoofed": 1}},
		{"naming a known id at the sender's address", 9, message.Member{ID: 1, Addr: addr(9)}, []uint64{1, 2}, nil, nil},
		{"from a stranger", 9, mem(9), []uint64{1, 2}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, 1, 2)
			var events []event
			recordEvents(n, &events)
			if err := n.Originate(payloadOf(selfID, 1)); err != nil { // Data to 1 and 2
				t.Fatal(err)
			}
			if o := dispatch(n, addr(c.from), leaveMsg(3, c.leaving)); o != node.NoChange {
				t.Fatalf("outcome %v, want NoChange", o)
			}
			wantMembers(t, n, c.members...)
			wantDrops(t, n, c.drops)
			if !slices.Equal(events, c.events) {
				t.Fatalf("events %v, want %v", events, c.events)
			}
			// What was queued to a member that left is dropped with it;
			// a well-formed Leave is acknowledged.
			var want []string
			for _, id := range c.members {
				want = append(want, dataLine(id, selfID, 1))
			}
			if c.drops == nil {
				want = append(want, fmt.Sprintf("to %d x1: Ack acked=3", c.from))
			}
			wantQueued(t, n, want...)
			if left := uint64(len(c.events)); n.Stats.MembersLeft != left {
				t.Fatalf("MembersLeft = %d, want %d", n.Stats.MembersLeft, left)
			}
		})
	}
}
