package handler_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// updateNode returns node 5, CONNECTED, knowing members 1, 2 and 3 by
// their records: 1 and 3 at incarnation 1, 2 at 3 with metadata aa.
func updateNode(t *testing.T) *node.Node {
	t.Helper()
	n := newNode(t, node.Connected, 1, 2, 3)
	withRecord(t, n, 1, 1)
	withRecord(t, n, 2, 3, 0xaa)
	withRecord(t, n, 3, 1)
	return n
}

// Records about member 2 (at incarnation 3), each from member 1, by
// rumor: a higher incarnation wins; at an equal one, failed and left beat
// suspect, which beats alive; an older record is answered with the newer.
func TestUpdateOrdersRecordsByIncarnation(t *testing.T) {
	correction := updateLine(1, false, alive(2, 3, 0xaa))
	for _, c := range []struct {
		name    string
		setup   func(*testing.T, *node.Node)
		rec     message.Record
		want    []string // queued after the flush, besides the Ack
		members []uint64
		inc     uint32 // member 2's incarnation after, if held
		suspect bool   // member 2 suspected after
	}{
		{"alive at a higher incarnation", nil, alive(2, 4, 0xaa),
			[]string{updateLine(3, true, alive(2, 4, 0xaa))}, []uint64{1, 2, 3}, 4, false},
		{"alive at the same incarnation", nil, alive(2, 3, 0xaa), nil, []uint64{1, 2, 3}, 3, false},
		{"alive at a lower incarnation", nil, alive(2, 2), []string{correction}, []uint64{1, 2, 3}, 3, false},
		{"suspect at the same incarnation", nil, suspect(2, 3, 1), nil, []uint64{1, 2, 3}, 3, true},
		{"suspect at a higher incarnation", nil, suspect(2, 5, 1), nil, []uint64{1, 2, 3}, 5, true},
		{"suspect at a lower incarnation", nil, suspect(2, 2, 1), []string{correction}, []uint64{1, 2, 3}, 3, false},
		{"failed at the same incarnation", nil, failed(2, 3, 1),
			[]string{updateLine(3, true, failed(2, 3, 1))}, []uint64{1, 3}, 0, false},
		{"failed at a lower incarnation", nil, failed(2, 2, 1), []string{correction}, []uint64{1, 2, 3}, 3, false},
		{"left at the same incarnation", nil, left(2, 3),
			[]string{updateLine(3, true, left(2, 3))}, []uint64{1, 3}, 0, false},
		{"left at a lower incarnation", nil, left(2, 2), []string{correction}, []uint64{1, 2, 3}, 3, false},
		{"failed at the incarnation of a suspicion", suspectAt(2, 3), failed(2, 3, 1),
			[]string{updateLine(3, true, failed(2, 3, 1))}, []uint64{1, 3}, 0, false},
		{"alive at a suspicion's incarnation (a vouch)", suspectAt(2, 3), alive(2, 3, 0xaa),
			nil, []uint64{1, 2, 3}, 3, false},
		{"alive at the incarnation it failed at", buried(2, 3), alive(2, 3, 0xaa), nil, []uint64{1, 3}, 0, false},
		{"suspect at the incarnation it failed at", buried(2, 3), suspect(2, 3, 1), nil, []uint64{1, 3}, 0, false},
		{"alive above the incarnation it failed at", buried(2, 3), alive(2, 4, 0xaa),
			[]string{updateLine(3, true, alive(2, 4, 0xaa))}, []uint64{1, 2, 3}, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := updateNode(t)
			if c.setup != nil {
				c.setup(t, n)
			}
			dispatch(n, addr(1), updateMsg(60, true, c.rec))
			n.FlushRumors()
			wantQueued(t, n, append([]string{"to 1 x1: Ack acked=60"}, c.want...)...)
			wantMembers(t, n, c.members...)
			if m, ok := n.Members.Get(2); ok && m.Inc != c.inc {
				t.Fatalf("member 2 at incarnation %d, want %d", m.Inc, c.inc)
			}
			if _, s := n.Detector.Suspected(2); s != c.suspect {
				t.Fatalf("member 2 suspected: %v, want %v", s, c.suspect)
			}
			wantDrops(t, n, nil)
		})
	}
}

// suspectAt makes node 5 suspect member id at inc, as member 7 told it.
func suspectAt(id uint64, inc uint32) func(*testing.T, *node.Node) {
	return func(t *testing.T, n *node.Node) {
		n.Detector.Suspect(id, addr(id), inc, 7, n.Members.Len()+1, n.Now)
	}
}

// buried removes member id at inc, declared failed by 7.
func buried(id uint64, inc uint32) func(*testing.T, *node.Node) {
	return func(t *testing.T, n *node.Node) { bury(t, n, id, inc, 7) }
}

func TestUpdateAliveOfAnUnknownMemberAddsItsRecordAndPassesItOn(t *testing.T) {
	for _, rumor := range []bool{true, false} {
		n := updateNode(t)
		var events []event
		recordEvents(n, &events)
		// dispatch scribbles over the datagram once the handler returns:
		// the table and the rumor must hold copies of the metadata.
		dispatch(n, addr(1), updateMsg(61, rumor, alive(9, 2, 0xbe, 0xef)))
		m := member(t, n, 9)
		if m.Inc != 2 || !m.Ext || !slices.Equal(m.Meta, []byte{0xbe, 0xef}) || m.Addr != addr(9) {
			t.Fatalf("rumor %v: member 9 is %+v, want inc 2, meta beef, speaking the extensions", rumor, m)
		}
		wantEvents(t, events, event{node.MemberJoined, 9})
		n.FlushRumors()
		// Not back to the sender 1, not to the news itself.
		wantQueued(t, n,
			"to 1 x1: Ack acked=61",
			updateLine(2, true, alive(9, 2, 0xbe, 0xef)),
			updateLine(3, true, alive(9, 2, 0xbe, 0xef)),
		)
	}
}

// A state Update (a table slice, an answer) passes on only the members it
// adds: a known member's newer record there is applied, not spread.
func TestUpdateOfStatePassesOnlyNewMembersOn(t *testing.T) {
	n := updateNode(t)
	dispatch(n, addr(1), updateMsg(62, false, alive(2, 4, 0xab), alive(9, 1)))
	if m := member(t, n, 2); m.Inc != 4 || !slices.Equal(m.Meta, []byte{0xab}) {
		t.Fatalf("member 2 is %+v, want inc 4, meta ab", m)
	}
	n.FlushRumors()
	wantQueued(t, n,
		"to 1 x1: Ack acked=62",
		updateLine(2, true, alive(9, 1)),
		updateLine(3, true, alive(9, 1)),
	)
}

// A node's own record from its own address, about a member this node
// did not know, is an introduction: the node is added, and not passed on
// (the introduction goes to whoever the seed's answer did not cover).
func TestUpdateIntroducingItsSenderIsNotPassedOn(t *testing.T) {
	for _, rumor := range []bool{true, false} {
		n := updateNode(t)
		dispatch(n, addr(9), updateMsg(63, rumor, alive(9, 1)))
		n.FlushRumors()
		wantMembers(t, n, 1, 2, 3, 9)
		wantQueued(t, n, "to 9 x1: Ack acked=63")
	}
}

func TestUpdateWhileJoiningIsHistoryNotNews(t *testing.T) {
	n := newNode(t, node.Joining)
	dispatch(n, addr(1), updateMsg(64, false, alive(1, 1), alive(2, 1), alive(3, 2)))
	dispatch(n, addr(1), updateMsg(65, true, alive(4, 1)))
	n.FlushRumors()
	wantMembers(t, n, 1, 2, 3, 4)
	wantQueued(t, n, "to 1 x1: Ack acked=64", "to 1 x1: Ack acked=65")
}

func TestUpdateAliveAtAHigherIncarnationReportsNewMetadata(t *testing.T) {
	for _, c := range []struct {
		name   string
		meta   []byte
		events []event
	}{
		{"new metadata", []byte{0xbb}, []event{{node.MemberUpdated, 2}}},
		{"the same metadata", []byte{0xaa}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := updateNode(t)
			var events []event
			recordEvents(n, &events)
			dispatch(n, addr(1), updateMsg(66, true, alive(2, 4, c.meta...)))
			wantEvents(t, events, c.events...)
			if m := member(t, n, 2); m.Inc != 4 || !slices.Equal(m.Meta, c.meta) {
				t.Fatalf("member 2 is %+v, want inc 4, meta % x", m, c.meta)
			}
			if got := n.Stats.MembersUpdated; got != uint64(len(c.events)) {
				t.Fatalf("MembersUpdated = %d, want %d", got, len(c.events))
			}
		})
	}
}

func TestUpdateAliveAtAHigherIncarnationEndsASuspicionOfALowerOne(t *testing.T) {
	n := updateNode(t)
	suspectAt(2, 3)(t, n)
	dispatch(n, addr(1), updateMsg(67, true, alive(2, 4, 0xaa)))
	if _, s := n.Detector.Suspected(2); s {
		t.Fatal("member 2 still suspected after its refutation")
	}
	if n.Stats.SuspicionsRefuted != 1 {
		t.Fatalf("SuspicionsRefuted = %d, want 1", n.Stats.SuspicionsRefuted)
	}
}

// Another holder of this node's suspicion heard from the suspect and
// vouches for it with its record at the suspected incarnation: the
// suspicion ends here too.
func TestUpdateAliveAtTheSuspectedIncarnationFromAnotherHolderEndsTheSuspicion(t *testing.T) {
	n := updateNode(t)
	suspectAt(2, 3)(t, n)
	dispatch(n, addr(3), updateMsg(68, false, alive(2, 3, 0xaa)))
	if _, s := n.Detector.Suspected(2); s {
		t.Fatal("member 2 still suspected after a vouch")
	}
	if n.Stats.SuspicionsVouched != 1 || n.Stats.SuspicionsRefuted != 0 {
		t.Fatalf("SuspicionsVouched, SuspicionsRefuted = %d, %d; want 1, 0", n.Stats.SuspicionsVouched, n.Stats.SuspicionsRefuted)
	}
	n.FlushRumors()
	wantQueued(t, n, "to 3 x1: Ack acked=68")
	if m := member(t, n, 2); m.Inc != 3 {
		t.Fatalf("member 2 at incarnation %d, want 3", m.Inc)
	}
}

// A suspicion is held, to be probed, and never passed on: only a verdict
// is news for everyone.
func TestUpdateSuspectIsHeldAndNeverPassedOn(t *testing.T) {
	for _, rumor := range []bool{true, false} {
		n := updateNode(t)
		dispatch(n, addr(1), updateMsg(69, rumor, suspect(2, 3, 1)))
		n.FlushRumors()
		wantQueued(t, n, "to 1 x1: Ack acked=69")
		if inc, s := n.Detector.Suspected(2); !s || inc != 3 {
			t.Fatalf("rumor %v: Suspected(2) = %d, %v; want 3, true", rumor, inc, s)
		}
		wantMembers(t, n, 1, 2, 3)
	}
}

func TestUpdateFailedByRumorRemovesBuriesAndPassesTheVerdictOn(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7, 8)
	for _, id := range memberIDs(n) {
		withRecord(t, n, id, 1)
	}
	withRecord(t, n, 2, 3)
	var events []event
	recordEvents(n, &events)
	n.Ack(addr(2), 99) // queued to the member: dropped with it
	dispatch(n, addr(1), updateMsg(70, true, failed(2, 3, 4)))
	wantMembers(t, n, 1, 3, 4, 6, 7, 8)
	wantEvents(t, events, event{node.MemberFailed, 2})
	tb, ok := n.Members.Tomb(2, n.Now)
	if !ok || tb.Inc != 3 || tb.From != 4 || tb.Reason != members.Failed || tb.Addr != addr(2) {
		t.Fatalf("tomb %+v, %v; want failed at 3, declared by 4, at 2's address", tb, ok)
	}
	if n.Stats.MembersFailed != 1 {
		t.Fatalf("MembersFailed = %d, want 1", n.Stats.MembersFailed)
	}
	n.FlushRumors()
	q := queued(n)
	verdict := linesOf(q, "Update")
	to := recipients(t, verdict)
	// The successor 6, the one after it (a verdict may travel while
	// others are dead too) and two random members, never the sender.
	if len(to) != n.Cfg.RumorFactor+1 || !slices.Contains(to, 6) || !slices.Contains(to, 7) || slices.Contains(to, 1) || slices.Contains(to, 2) {
		t.Fatalf("verdict passed on to %v, want 6, 7 and one more, not 1 or 2", to)
	}
	for _, l := range verdict {
		if !strings.HasSuffix(l, "Update rumor=1 count=1 ["+rd(failed(2, 3, 4))+"]") {
			t.Fatalf("passed on %q, want the verdict", l)
		}
	}
	if acks := linesOf(q, "Ack"); !slices.Equal(acks, []string{"to 1 x1: Ack acked=70"}) {
		t.Fatalf("acks %q, want only the Update's", acks)
	}
}

// A verdict that does not come as a rumor (a slice, an answer, a healed
// partition's news) about a member this node holds alive is not taken on
// trust: the member is suspected at the floor's timeout and told, so that
// it refutes if it lives, and it is removed when the floor ends if it
// does not.
func TestUpdateFailedInAStateUpdateSuspectsTheMemberAtTheFloorAndTellsIt(t *testing.T) {
	n := updateNode(t)
	var events []event
	recordEvents(n, &events)
	dispatch(n, addr(1), updateMsg(71, false, failed(2, 3, 3)))
	n.FlushRumors()
	wantQueued(t, n, "to 1 x1: Ack acked=71", updateLine(2, false, failed(2, 3, 3)))
	wantMembers(t, n, 1, 2, 3)
	if inc, s := n.Detector.Suspected(2); !s || inc != 3 {
		t.Fatalf("Suspected(2) = %d, %v; want 3, true", inc, s)
	}
	// The floor: SuspicionMult × TickInterval for a cluster this small;
	// an unconfirmed suspicion would run four times as long. The
	// detector is stepped as Tick would, often enough not to see a stall.
	declared := stepUntilRemoved(t, n, 2, 5*time.Second)
	if declared != time.Second {
		t.Fatalf("removed %v after the verdict, want at the floor, 1s", declared)
	}
	wantEvents(t, events, event{node.MemberFailed, 2})
}

func TestUpdateLeftRemovesTheMember(t *testing.T) {
	for _, rumor := range []bool{true, false} {
		n := updateNode(t)
		var events []event
		recordEvents(n, &events)
		dispatch(n, addr(1), updateMsg(72, rumor, left(2, 3)))
		wantMembers(t, n, 1, 3)
		wantEvents(t, events, event{node.MemberLeft, 2})
		if tb, ok := n.Members.Tomb(2, n.Now); !ok || tb.Reason != members.Left || tb.Inc != 3 {
			t.Fatalf("rumor %v: tomb %+v, %v; want left at 3", rumor, tb, ok)
		}
	}
}

// A suspicion of this node needs no answer but the Ack: every holder ends
// it when it hears from this node, and the incarnation stays.
func TestUpdateSuspectingThisNodeIsOnlyAcknowledged(t *testing.T) {
	for _, rumor := range []bool{true, false} {
		n := updateNode(t)
		dispatch(n, addr(1), updateMsg(73, rumor, suspect(selfID, 1, 2)))
		n.FlushRumors()
		wantQueued(t, n, "to 1 x1: Ack acked=73")
		if n.Inc != 1 || n.Stats.Refutations != 0 {
			t.Fatalf("incarnation %d, %d refutations; want 1, 0", n.Inc, n.Stats.Refutations)
		}
	}
}

// A verdict that this node failed or left, at its incarnation or above,
// is refuted: a higher incarnation, spread by rumor, and sent directly (as
// news to pass on) to the declarer and to whoever told this node.
func TestUpdateVerdictOfThisNodeIsRefuted(t *testing.T) {
	for _, c := range []struct {
		name   string
		rec    message.Record
		inc    uint32   // this node's incarnation after
		direct []uint64 // sent the refutation directly
	}{
		{"failed at its incarnation", failed(selfID, 1, 2), 2, []uint64{1, 2}},
		{"failed above its incarnation", failed(selfID, 4, 2), 5, []uint64{1, 2}},
		{"failed, declared by the sender", failed(selfID, 1, 1), 2, []uint64{1}},
		{"left", left(selfID, 1), 2, []uint64{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, 1, 2, 3, 4, 6, 7)
			for _, id := range memberIDs(n) {
				withRecord(t, n, id, 1)
			}
			dispatch(n, addr(1), updateMsg(74, false, c.rec))
			if n.Inc != c.inc || n.Stats.Refutations != 1 {
				t.Fatalf("incarnation %d, %d refutations; want %d, 1", n.Inc, n.Stats.Refutations, c.inc)
			}
			refutation := alive(selfID, c.inc)
			want := []string{"to 1 x1: Ack acked=74"}
			for _, id := range c.direct {
				want = append(want, updateLine(id, true, refutation))
			}
			wantQueued(t, n, want...)
			n.FlushRumors()
			rumors := linesOf(queued(n), "Update")
			if len(rumors) != len(c.direct)+n.Cfg.RumorFactor {
				t.Fatalf("after the flush:\n\t%s\nwant the direct refutations and a rumor to %d members",
					strings.Join(rumors, "\n\t"), n.Cfg.RumorFactor)
			}
			for _, l := range rumors {
				if !strings.HasSuffix(l, ": Update rumor=1 count=1 ["+rd(refutation)+"]") {
					t.Fatalf("sent %q, want the refutation", l)
				}
			}
			if to := recipients(t, rumors); !slices.Contains(to, 6) {
				t.Fatalf("refutation to %v, want the successor 6 among them", to)
			}
		})
	}
}

// An older verdict of this node is stale: the sender is told the current
// record, and the incarnation stays.
func TestUpdateVerdictOfThisNodeAtALowerIncarnationIsCorrected(t *testing.T) {
	n := updateNode(t)
	n.Inc = 3
	dispatch(n, addr(1), updateMsg(75, true, failed(selfID, 2, 2)))
	n.FlushRumors()
	wantQueued(t, n, "to 1 x1: Ack acked=75", updateLine(1, false, alive(selfID, 3)))
	if n.Inc != 3 || n.Stats.Refutations != 0 {
		t.Fatalf("incarnation %d, %d refutations; want 3, 0", n.Inc, n.Stats.Refutations)
	}
}

// A member this node removed comes back only at a higher incarnation than
// it was removed at, whoever brings the news.
func TestUpdateBuriedMemberComesBackOnlyAtAHigherIncarnation(t *testing.T) {
	n := updateNode(t)
	bury(t, n, 2, 3, 1)
	var events []event
	recordEvents(n, &events)
	dispatch(n, addr(1), updateMsg(76, true, alive(2, 3, 0xaa)))
	dispatch(n, addr(2), updateMsg(77, false, alive(2, 3, 0xaa)))
	wantMembers(t, n, 1, 3)
	if n.Stats.MembersBuried != 2 {
		t.Fatalf("MembersBuried = %d, want 2", n.Stats.MembersBuried)
	}
	dispatch(n, addr(1), updateMsg(78, true, alive(2, 4, 0xaa)))
	wantMembers(t, n, 1, 2, 3)
	wantEvents(t, events, event{node.MemberJoined, 2})
	if _, ok := n.Members.Tomb(2, n.Now); ok {
		t.Fatal("member 2 back and still buried")
	}
}

// An id that moves to the address another member held: that member is
// gone (a restart there, under a new id) and says so, buried; the moved
// one is updated, once, and its event reports what the table now holds.
func TestUpdateMovingAMemberToAnotherMembersAddressReplacesThatMember(t *testing.T) {
	for _, meta := range [][]byte{{0xaa}, {0xbb}} {
		t.Run(fmt.Sprintf("meta %x", meta), func(t *testing.T) {
			n := updateNode(t)
			var got []members.Member
			var events []event
			n.OnMember = func(e node.MemberEvent, m members.Member) {
				events = append(events, event{e, m.ID})
				got = append(got, m)
			}
			n.Ack(addr(3), 99) // queued to the displaced member: dropped with it
			moved := alive(2, 4, meta...)
			moved.Addr = addr(3)
			dispatch(n, addr(3), updateMsg(79, false, moved))
			wantMembers(t, n, 1, 2)
			m := member(t, n, 2)
			if m.Addr != addr(3) || m.Inc != 4 || !slices.Equal(m.Meta, meta) {
				t.Fatalf("member 2 is %+v, want at 3's address, inc 4, meta %x", m, meta)
			}
			wantEvents(t, events, event{node.MemberReplaced, 3}, event{node.MemberUpdated, 2})
			if u := got[1]; u.Addr != m.Addr || u.Inc != m.Inc || !slices.Equal(u.Meta, m.Meta) {
				t.Fatalf("MemberUpdated reports %+v, want the table's %+v", u, m)
			}
			if tb, ok := n.Members.Tomb(3, n.Now); !ok || tb.Reason != members.Displaced {
				t.Fatalf("tomb of 3 %+v, %v; want displaced", tb, ok)
			}
			if n.Stats.MembersReplaced != 1 || n.Stats.MembersUpdated != 1 {
				t.Fatalf("MembersReplaced, MembersUpdated = %d, %d; want 1, 1", n.Stats.MembersReplaced, n.Stats.MembersUpdated)
			}
			n.FlushRumors()
			if acks := linesOf(queued(n), "Ack"); !slices.Equal(acks, []string{"to 3 x1: Ack acked=79"}) {
				t.Fatalf("acks %q, want the Update's only", acks)
			}
		})
	}
}

// A member known only from a base-format list that sends its own record
// has just given this node what the failure detector needs: it is not
// asked for it with a Join. (A member that speaks the extensions but
// whose record this node still lacks is, see SpeaksExtensions.)
func TestUpdateCarryingItsSendersOwnRecordAsksForNothingMore(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(2), updateMsg(81, false, alive(2, 5)))
	n.FlushRumors()
	wantQueued(t, n, "to 2 x1: Ack acked=81")
	if m := member(t, n, 2); m.Inc != 5 || !m.Ext {
		t.Fatalf("member 2 is %+v, want its record at 5", m)
	}
}

func TestUpdateFromAMemberWhoseRecordIsUnknownAsksForItWithAJoin(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	dispatch(n, addr(2), updateMsg(82, false, alive(3, 5)))
	n.FlushRumors()
	if joins := linesOf(queued(n), "Join"); len(joins) != 1 || !strings.HasPrefix(joins[0], "to 2 x3: Join ") {
		t.Fatalf("joins %q, want one to 2", joins)
	}
}

// stepUntilRemoved runs the detector every 50ms, as Tick would, until id
// is no longer a member, and returns how long that took (failing after
// limit).
func stepUntilRemoved(t *testing.T, n *node.Node, id uint64, limit time.Duration) time.Duration {
	t.Helper()
	start := n.Now
	for n.Now.Sub(start) <= limit {
		n.Detect()
		if _, ok := n.Members.Get(id); !ok {
			return n.Now.Sub(start)
		}
		n.Now = n.Now.Add(50 * time.Millisecond)
	}
	t.Fatalf("%d still a member after %v", id, limit)
	return 0
}

// A suspicion raised the ordinary way runs longer than the floor: a
// verdict's is the shorter one because others confirmed it already.
func TestUpdateSuspectRunsLongerThanAVerdictsFloor(t *testing.T) {
	n := updateNode(t)
	dispatch(n, addr(1), updateMsg(80, false, suspect(2, 3, 1)))
	if d := stepUntilRemoved(t, n, 2, 10*time.Second); d <= time.Second {
		t.Fatalf("a suspicion with one accuser removed its member after %v, want longer than the floor", d)
	}
}
