package handler_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickgossip/gossip/internal/members"
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

// The removal drops everything queued to the leaver; the Ack comes
// after it, so it survives, and the leaver can stop retrying. The burial
// keeps the member's incarnation, so older hearsay cannot bring it back.
func TestLeaveIsAcknowledgedAfterTheRemovalAndBuriesTheMemberAtItsIncarnation(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2)
	withRecord(t, n, 1, 4)
	n.Ack(addr(1), 98) // an answer still queued to the leaver
	if err := n.Originate(payloadOf(selfID, 1)); err != nil {
		t.Fatal(err)
	}
	dispatch(n, addr(1), leaveMsg(3, mem(1)))
	wantQueued(t, n, dataLine(2, selfID, 1), "to 1 x1: Ack acked=3")
	tb, ok := n.Members.Tomb(1, n.Now)
	if !ok || tb.Reason != members.Left || tb.Inc != 4 {
		t.Fatalf("tomb %+v, %v; want left at incarnation 4", tb, ok)
	}
	dispatch(n, addr(2), updateMsg(4, true, alive(1, 4)))
	wantMembers(t, n, 2)
}
