package handler_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

func TestMemberListAddsUnknownMembersAndPassesTheNewsOn(t *testing.T) {
	n := newNode(t, node.Connected, 1, 6, 7, 8)
	var events []event
	recordEvents(n, &events)
	// 2 and 3 are news; 5 is this node; 1 and 6 are known.
	dispatch(n, addr(1), memberListMsg(30, mem(2), mem(3), mem(selfID), mem(1), mem(6)))
	// The news goes to 5's successor 6 and two random members other than
	// the sender 1 and the news itself: 7 and 8 are all that is left.
	wantQueued(t, n,
		"to 1 x1: Ack acked=30",
		"to 6 x3: MemberList count=2 ["+md(2)+" "+md(3)+"]",
		"to 7 x3: MemberList count=2 ["+md(2)+" "+md(3)+"]",
		"to 8 x3: MemberList count=2 ["+md(2)+" "+md(3)+"]",
	)
	wantMembers(t, n, 1, 2, 3, 6, 7, 8)
	if want := []event{{node.MemberJoined, 2}, {node.MemberJoined, 3}}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	if n.Stats.MembersAdded != 2 || n.Stats.Introductions != 0 {
		t.Fatalf("MembersAdded, Introductions = %d, %d; want 2, 0", n.Stats.MembersAdded, n.Stats.Introductions)
	}
	wantDrops(t, n, nil)
}

func TestMemberListOfKnownMembersIsOnlyAcknowledged(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(1), memberListMsg(31, mem(2), mem(3), mem(selfID)))
	wantQueued(t, n, "to 1 x1: Ack acked=31")
	wantMembers(t, n, 1, 2, 3)
}

func TestMemberListWhileJoiningIsHistoryNotNews(t *testing.T) {
	n := newNode(t, node.Joining)
	// The seed's answer to our Hello arrives before its Welcome.
	dispatch(n, addr(1), memberListMsg(32, mem(2), mem(3), mem(4)))
	wantQueued(t, n, "to 1 x1: Ack acked=32")
	wantMembers(t, n, 2, 3, 4)
}

func TestMemberListIntroducingItsSenderIsNotPassedOn(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(9), memberListMsg(33, mem(9)))
	wantMembers(t, n, 1, 2, 3, 9)
	q := queued(n)
	if ml := linesOf(q, "MemberList"); len(ml) != 0 {
		t.Fatalf("an introduction was passed on: %q", ml)
	}
	if acks := linesOf(q, "Ack"); !slices.Equal(acks, []string{"to 9 x1: Ack acked=33"}) {
		t.Fatalf("acks %q, want the introduction's", acks)
	}
}

func TestMemberListBeyondMaxMembersIsRefusedAndCounted(t *testing.T) {
	n := newNode(t, node.Connected)
	n.Members = members.New(selfID, addr(selfID), 3)
	n.Members.Add(members.Member{ID: 1, Addr: addr(1)})
	n.Members.Add(members.Member{ID: 2, Addr: addr(2)})
	dispatch(n, addr(1), memberListMsg(34, mem(3), mem(4), mem(6)))
	wantMembers(t, n, 1, 2, 3)
	if n.Stats.MembersAdded != 1 || n.Stats.MembersRefused != 2 {
		t.Fatalf("MembersAdded, MembersRefused = %d, %d; want 1, 2", n.Stats.MembersAdded, n.Stats.MembersRefused)
	}
	// Only what was added is news: to 5's successor, 1 then 2, less the
	// sender.
	wantQueued(t, n,
		"to 1 x1: Ack acked=34",
		"to 2 x3: MemberList count=1 ["+md(3)+"]",
	)
}

// In a cluster larger than the seed's answer to a Hello can list, the
// members the answer left out introduce themselves to a newcomer they
// hear of by rumor; the ones it listed do not.
func TestMemberListNewsIntroducesThisNodeWhenTheSeedsAnswerLeftItOut(t *testing.T) {
	for _, c := range []struct {
		name      string
		small     bool // MaxMessageSize 64: three members per list, twelve per answer
		known     []uint64
		newcomer  uint64
		introduce bool
	}{
		{"a cluster the answer covers", false, []uint64{1, 2, 3, 4, 6, 7}, 12, false},
		{"ranked within the answer", true, []uint64{1, 2, 6, 7, 8, 9}, 12, false},
		{"ranked past the answer", true, []uint64{1, 2, 3, 4, 6, 7}, 12, true},
		{"a newcomer below this node, which the answer skipped", true, []uint64{1, 2, 3, 6, 7, 8}, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, c.known...)
			if c.small {
				n.Cfg.MaxMessageSize = 64
			}
			dispatch(n, addr(1), memberListMsg(35, mem(c.newcomer)))
			var intro []string
			for _, l := range linesOf(queued(n), "MemberList") {
				if l == "to "+fmt.Sprint(c.newcomer)+" x3: MemberList count=1 ["+md(selfID)+"]" {
					intro = append(intro, l)
				}
			}
			if got := len(intro) == 1; got != c.introduce || int(n.Stats.Introductions) != len(intro) {
				t.Fatalf("introductions %q (counted %d), want %v", intro, n.Stats.Introductions, c.introduce)
			}
		})
	}
}

// A member whose record this node holds (an incarnation) is not moved
// to another address by hearsay: a base-format list naming it elsewhere
// changes nothing. Only the member itself, or its newer record, moves it.
func TestMemberListHearsayDoesNotMoveAMemberWithARecord(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2)
	i, _ := n.Members.Index(2)
	n.Members.SetRecord(i, 3, nil, true)
	dispatch(n, addr(1), memberListMsg(36, message.Member{ID: 2, Addr: addr(9)}))
	if m, _ := n.Members.Get(2); m.Addr != addr(2) {
		t.Fatalf("member 2 moved to %v on hearsay", m.Addr)
	}
}
