package handler_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// recordNode returns node 5, CONNECTED, knowing members 1, 2 and 3 by
// their records (2 with metadata).
func recordNode(t *testing.T) *node.Node {
	t.Helper()
	n := newNode(t, node.Connected, 1, 2, 3)
	withRecord(t, n, 1, 1)
	withRecord(t, n, 2, 4, 0xaa)
	withRecord(t, n, 3, 2)
	return n
}

func TestJoinFromANewcomerGetsTheRecordsThenTheWelcomeThenIsAnnounced(t *testing.T) {
	n := recordNode(t)
	var events []event
	recordEvents(n, &events)
	if o := dispatch(n, addr(9), joinMsg(41, alive(9, 3, 0xbe, 0xef))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	// The answer goes out in order: the records (this node's own first),
	// then the Welcome naming the Join's seq. The announcement is not
	// queued before the flush.
	sent := wire(t, n)
	want := []string{
		updateLine(9, false, alive(selfID, 1), alive(1, 1), alive(2, 4, 0xaa), alive(3, 2)),
		"to 9 x1: Welcome hello=41 member=" + md(selfID),
	}
	if !slices.Equal(sent, want) {
		t.Fatalf("sent, in order:\n\t%s\nwant:\n\t%s", strings.Join(sent, "\n\t"), strings.Join(want, "\n\t"))
	}
	if e := envelopeTo(t, n, 9, message.TypeUpdate); e.ToID != 9 {
		t.Errorf("the records to the joiner have ToID %d, want 9", e.ToID)
	}
	m := member(t, n, 9)
	if m.Inc != 3 || !slices.Equal(m.Meta, []byte{0xbe, 0xef}) || !m.Ext {
		t.Fatalf("joiner in the table as %+v, want inc 3, meta beef, speaking the extensions", m)
	}
	wantEvents(t, events, event{node.MemberJoined, 9})

	// The flush announces the joiner's record by rumor, to everyone but
	// the joiner itself.
	n.FlushRumors()
	rumor := describe(updateMsg(1, true, alive(9, 3, 0xbe, 0xef)))
	var to []uint64
	for _, l := range linesOf(queued(n), "Update") {
		if strings.HasPrefix(l, "to 9 ") {
			continue // the list, waiting for its Ack
		}
		if _, body, _ := strings.Cut(l, ": "); body != rumor {
			t.Fatalf("announcement %q, want %q", l, rumor)
		}
		to = append(to, recipients(t, []string{l})...)
	}
	slices.Sort(to)
	if !slices.Equal(to, []uint64{1, 2, 3}) {
		t.Fatalf("announced to %v, want 1, 2, 3 (not the joiner)", to)
	}
	wantDrops(t, n, nil)
}

func TestJoinListsMembersKnownOnlyFromBaseListsInAMemberList(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	withRecord(t, n, 2, 4)
	dispatch(n, addr(9), joinMsg(41, alive(9, 1)))
	wantQueued(t, n,
		updateLine(9, false, alive(selfID, 1), alive(2, 4)),
		"to 9 x3: MemberList count=2 ["+md(1)+" "+md(3)+"]",
		"to 9 x1: Welcome hello=41 member="+md(selfID),
	)
}

func TestJoinWhoseRecordIsNotItsSendersIsDroppedAsSpoofed(t *testing.T) {
	n := recordNode(t)
	if o := dispatch(n, addr(8), joinMsg(41, alive(9, 1))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	n.FlushRumors()
	wantQueued(t, n)
	wantMembers(t, n, 1, 2, 3)
	wantDrops(t, n, map[string]uint64{"spoofed": 1})
}

func TestJoinNamingThisNodeIsDroppedAsSelf(t *testing.T) {
	n := recordNode(t)
	r := alive(selfID, 7)
	r.Addr = addr(9)
	dispatch(n, addr(9), joinMsg(41, r))
	n.FlushRumors()
	wantQueued(t, n)
	wantMembers(t, n, 1, 2, 3)
	wantDrops(t, n, map[string]uint64{"self": 1})
	if n.Inc != 1 {
		t.Fatalf("incarnation %d, want 1: a Join is no verdict", n.Inc)
	}
}

// A member known by its record that joins again (a greeting answered,
// or a Join retried after its Welcome was lost) needs no lists and is no
// news: the Welcome and this node's own record are all it gets.
func TestJoinFromAMemberKnownByItsRecordGetsTheWelcomeAndThisNodesRecordOnly(t *testing.T) {
	n := recordNode(t)
	var events []event
	recordEvents(n, &events)
	dispatch(n, addr(2), joinMsg(41, alive(2, 4, 0xaa)))
	n.FlushRumors()
	wantQueued(t, n,
		updateLine(2, false, alive(selfID, 1)),
		"to 2 x1: Welcome hello=41 member="+md(selfID),
	)
	wantEvents(t, events)
	if n.Stats.MembersAdded != 0 {
		t.Fatalf("MembersAdded = %d, want 0", n.Stats.MembersAdded)
	}
}

// A member this node learned from a base-format list has no record: its
// Join brings it, which is news (its incarnation and metadata), and it
// gets the lists, since whoever listed it may not have sent it them.
func TestJoinFromAMemberKnownOnlyFromABaseListGetsTheListsAndIsAnnounced(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	withRecord(t, n, 1, 1)
	withRecord(t, n, 3, 2)
	dispatch(n, addr(2), joinMsg(41, alive(2, 6, 0x01)))
	wantQueued(t, n,
		updateLine(2, false, alive(selfID, 1), alive(1, 1), alive(3, 2)),
		"to 2 x1: Welcome hello=41 member="+md(selfID),
	)
	if m := member(t, n, 2); m.Inc != 6 || !m.Ext || !slices.Equal(m.Meta, []byte{0x01}) {
		t.Fatalf("member 2 is %+v, want its record: inc 6, meta 01", m)
	}
	n.FlushRumors()
	rumors := slices.DeleteFunc(linesOf(queued(n), "Update"), func(l string) bool { return strings.HasPrefix(l, "to 2 ") })
	want := []string{updateLine(1, true, alive(2, 6, 0x01)), updateLine(3, true, alive(2, 6, 0x01))}
	if !slices.Equal(rumors, want) {
		t.Fatalf("announcement:\n\t%s\nwant:\n\t%s", strings.Join(rumors, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// A member this node removed comes back only by refuting its verdict: its
// Join at no higher an incarnation gets the verdict, the lists and the
// Welcome (it is let in, and its own refutation brings it back), and is
// not added.
func TestJoinFromAMemberBuriedAtAnIncarnationAtLeastAsHighIsToldItsVerdict(t *testing.T) {
	for _, inc := range []uint32{2, 3} {
		t.Run(fmt.Sprintf("inc %d", inc), func(t *testing.T) {
			n := recordNode(t)
			if r, _ := n.Members.Add(memberAt(9, 3)); r != members.Added {
				t.Fatalf("setup: adding 9: %v", r)
			}
			bury(t, n, 9, 3, 1)
			var events []event
			recordEvents(n, &events)
			dispatch(n, addr(9), joinMsg(41, alive(9, inc)))
			n.FlushRumors()
			wantQueued(t, n,
				updateLine(9, false, failed(9, 3, 1)),
				updateLine(9, false, alive(selfID, 1), alive(1, 1), alive(2, 4, 0xaa), alive(3, 2)),
				"to 9 x1: Welcome hello=41 member="+md(selfID),
			)
			wantMembers(t, n, 1, 2, 3)
			wantEvents(t, events)
			if tb, ok := n.Members.Tomb(9, n.Now); !ok || tb.Inc != 3 {
				t.Fatalf("tomb %+v, %v; want still buried at 3", tb, ok)
			}
			if n.Stats.VerdictsTold != 1 || n.Stats.MembersBuried != 1 {
				t.Fatalf("VerdictsTold, MembersBuried = %d, %d; want 1, 1", n.Stats.VerdictsTold, n.Stats.MembersBuried)
			}
		})
	}
}
