package handler_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

func TestHelloFromANewcomer(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var events []event
	recordEvents(n, &events)
	if o := dispatch(n, addr(9), helloMsg(41, mem(9))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	// The lists name every member but the newcomer; the Welcome names the
	// Hello's seq; the announcement goes to the successor of 5 and two
	// random members, never to 9 itself: with 9 excluded, 5's successor
	// is 1, and the others are all that is left.
	wantQueued(t, n,
		"to 9 x3: MemberList count=3 ["+md(1)+" "+md(2)+" "+md(3)+"]",
		"to 9 x1: Welcome hello=41 member="+md(5),
		"to 1 x3: MemberList count=1 ["+md(9)+"]",
		"to 2 x3: MemberList count=1 ["+md(9)+"]",
		"to 3 x3: MemberList count=1 ["+md(9)+"]",
	)
	for _, typ := range []message.Type{message.TypeMemberList, message.TypeWelcome} {
		if e := envelopeTo(t, n, 9, typ); e.ToID != 9 {
			t.Errorf("%v to the newcomer has ToID %d, want 9", typ, e.ToID)
		}
	}
	wantMembers(t, n, 1, 2, 3, 9)
	if n.Stats.MembersAdded != 1 || !slices.Equal(events, []event{{node.MemberJoined, 9}}) {
		t.Fatalf("MembersAdded %d, events %v; want 1, [joined 9]", n.Stats.MembersAdded, events)
	}
	wantDrops(t, n, nil)
}

func TestHelloListsGoOutBeforeTheWelcome(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7, 8)
	// Three members per list, at most two lists.
	n.Cfg.MaxMessageSize = 64
	n.Cfg.JoinListDatagrams = 2
	dispatch(n, addr(9), helloMsg(41, mem(9)))
	sent := wire(t, n)
	toNewcomer := slices.DeleteFunc(slices.Clone(sent), func(l string) bool { return !strings.HasPrefix(l, "to 9 ") })
	want := []string{
		"to 9 x3: MemberList count=3 [" + md(1) + " " + md(2) + " " + md(3) + "]",
		"to 9 x3: MemberList count=3 [" + md(4) + " " + md(6) + " " + md(7) + "]",
		"to 9 x1: Welcome hello=41 member=" + md(5),
	}
	if !slices.Equal(toNewcomer, want) {
		t.Fatalf("sent to the newcomer, in order:\n\t%s\nwant (member 8 is past JoinListDatagrams):\n\t%s",
			strings.Join(toNewcomer, "\n\t"), strings.Join(want, "\n\t"))
	}
	if !slices.Equal(sent[:3], want) {
		t.Fatalf("sent first:\n\t%s\nwant the answer to the Hello before the announcement", strings.Join(sent, "\n\t"))
	}
}

func TestHelloAnnouncesTheNewcomerToTheSuccessorAndRandomMembers(t *testing.T) {
	chosen := map[string]bool{}
	for seed := range uint64(20) {
		n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7, 8)
		n.Rand = rand.New(rand.NewPCG(seed, seed))
		dispatch(n, addr(9), helloMsg(41, mem(9)))
		ann := slices.DeleteFunc(linesOf(queued(n), "MemberList"), func(l string) bool { return strings.HasPrefix(l, "to 9 ") })
		for _, l := range ann {
			if want := "MemberList count=1 [" + md(9) + "]"; !strings.HasSuffix(l, ": "+want) {
				t.Fatalf("seed %d: announcement %q, want %q", seed, l, want)
			}
		}
		ids := recipients(t, ann)
		slices.Sort(ids)
		if len(ids) != n.Cfg.RumorFactor || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Fatalf("seed %d: announced to %v, want %d distinct members", seed, ids, n.Cfg.RumorFactor)
		}
		if !slices.Contains(ids, 6) {
			t.Fatalf("seed %d: announced to %v, want the successor 6 among them", seed, ids)
		}
		if slices.Contains(ids, 9) {
			t.Fatalf("seed %d: the newcomer was sent its own announcement", seed)
		}
		chosen[fmt.Sprint(ids)] = true
	}
	if len(chosen) < 2 {
		t.Fatalf("20 seeds all announced to %v: the random members are not random", chosen)
	}
}

func TestHelloFromAKnownMemberGetsOnlyAWelcome(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(2), helloMsg(8, mem(2)))
	wantQueued(t, n, "to 2 x1: Welcome hello=8 member="+md(5))
	wantMembers(t, n, 1, 2, 3)
	if n.Stats.MembersAdded != 0 {
		t.Fatalf("MembersAdded = %d, want 0", n.Stats.MembersAdded)
	}
}

func TestHelloRetriedIsWelcomedAgainButNotAnnouncedAgain(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(9), helloMsg(41, mem(9)))
	wire(t, n)
	// Our Welcome was lost; 9 retries its Hello.
	dispatch(n, addr(9), helloMsg(42, mem(9)))
	if got, want := wire(t, n), []string{"to 9 x1: Welcome hello=42 member=" + md(5)}; !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
	if n.Stats.MembersAdded != 1 {
		t.Fatalf("MembersAdded = %d, want 1", n.Stats.MembersAdded)
	}
}

func TestHelloFromARestartedNodeReplacesTheOldMember(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var events []event
	recordEvents(n, &events)
	n.Ack(addr(1), 99) // queued for the old node at 7001
	restarted := message.Member{ID: 8, Addr: addr(1)}
	rd := fmt.Sprintf("%016x@/ip4/127.0.0.1/udp/7001", 8)
	dispatch(n, addr(1), helloMsg(7, restarted))
	wantQueued(t, n,
		"to 1 x3: MemberList count=2 ["+md(2)+" "+md(3)+"]",
		"to 1 x1: Welcome hello=7 member="+md(5),
		"to 2 x3: MemberList count=1 ["+rd+"]",
		"to 3 x3: MemberList count=1 ["+rd+"]",
	)
	wantMembers(t, n, 2, 3, 8)
	if want := []event{{node.MemberReplaced, 1}, {node.MemberJoined, 8}}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	if n.Stats.MembersReplaced != 1 {
		t.Fatalf("MembersReplaced = %d, want 1", n.Stats.MembersReplaced)
	}
}

func TestHelloNamingThisNodeIsDroppedAsSelf(t *testing.T) {
	n := newNode(t, node.Connected, 1)
	dispatch(n, addr(9), helloMsg(3, message.Member{ID: selfID, Addr: addr(9)}))
	wantQueued(t, n)
	wantMembers(t, n, 1)
	wantDrops(t, n, map[string]uint64{"self": 1})
}

// A member whose Hello comes from the address another member held has
// moved there: the member that held it is gone and reported replaced
// (and buried), the moved one updated, and nothing more.
func TestHelloFromAMemberThatMovedToAnotherMembersAddress(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	var events []event
	recordEvents(n, &events)
	dispatch(n, addr(3), helloMsg(7, message.Member{ID: 2, Addr: addr(3)}))
	wantMembers(t, n, 1, 2)
	if m, _ := n.Members.Get(2); m.Addr != addr(3) {
		t.Fatalf("member 2 at %v, want at 3's address", m.Addr)
	}
	if want := []event{{node.MemberReplaced, 3}, {node.MemberUpdated, 2}}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	if _, ok := n.Members.Tomb(3, n.Now); !ok {
		t.Fatal("the displaced member is not buried")
	}
	if n.Stats.MembersReplaced != 1 || n.Stats.MembersUpdated != 1 || n.Stats.MembersAdded != 0 {
		t.Fatalf("MembersReplaced, MembersUpdated, MembersAdded = %d, %d, %d; want 1, 1, 0",
			n.Stats.MembersReplaced, n.Stats.MembersUpdated, n.Stats.MembersAdded)
	}
}
