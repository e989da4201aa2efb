package handler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// joining returns node 5 joining through seeds, one Hello queued to each
// and sent, and the seq each seed sees on its Hello.
func joining(t *testing.T, seeds ...uint64) (*node.Node, map[uint64]uint32) {
	t.Helper()
	n := newNode(t, node.Joining)
	for _, s := range seeds {
		n.Hello(addr(s))
	}
	wire(t, n)
	seqs := map[uint64]uint32{}
	for _, s := range seeds {
		e := envelopeTo(t, n, s, message.TypeHello)
		if e.ToID != 0 {
			t.Fatalf("setup: the Hello to seed %d has ToID %d; a seed's id is not known yet", s, e.ToID)
		}
		seqs[s] = e.Seq
	}
	return n, seqs
}

func TestWelcomeAnsweringOurHelloCompletesTheJoin(t *testing.T) {
	n, seqs := joining(t, 1, 2)
	if o := dispatch(n, addr(1), welcomeMsg(70, seqs[1], mem(1))); o != node.Joined {
		t.Fatalf("outcome %v, want Joined", o)
	}
	// The answered Hello is gone; the other seed's still waits (the
	// service decides what to do with it).
	wantQueued(t, n, "to 2 x3: Hello member="+md(5))
	wantMembers(t, n, 1)
	if n.Stats.MembersAdded != 1 {
		t.Fatalf("MembersAdded = %d, want 1", n.Stats.MembersAdded)
	}
	wantDrops(t, n, nil)
}

func TestWelcomeUnsolicited(t *testing.T) {
	for _, c := range []struct {
		name     string
		from     uint64
		helloSeq func(seqs map[uint64]uint32) uint32
	}{
		{"from another address than the Hello's recipient", 2, func(s map[uint64]uint32) uint32 { return s[1] }},
		{"naming no Hello", 1, func(s map[uint64]uint32) uint32 { return s[1] ^ 0x100 }},
		{"naming the other seed's Hello", 1, func(s map[uint64]uint32) uint32 { return s[2] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, seqs := joining(t, 1, 2)
			if o := dispatch(n, addr(c.from), welcomeMsg(70, c.helloSeq(seqs), mem(c.from))); o != node.NoChange {
				t.Fatalf("outcome %v, want NoChange", o)
			}
			wantDrops(t, n, map[string]uint64{"unsolicited": 1})
			wantMembers(t, n)
			wantQueued(t, n, "to 1 x3: Hello member="+md(5), "to 2 x3: Hello member="+md(5))
		})
	}
}

func TestWelcomeAnsweredTwiceIsUnsolicitedTheSecondTime(t *testing.T) {
	n, seqs := joining(t, 1)
	dispatch(n, addr(1), welcomeMsg(70, seqs[1], mem(1)))
	n.Phase = node.Connected // as the service does on Joined
	if o := dispatch(n, addr(1), welcomeMsg(71, seqs[1], mem(1))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	wantDrops(t, n, map[string]uint64{"unsolicited": 1})
}

func TestWelcomeNamingAnotherKindOfEnvelopeIsUnsolicited(t *testing.T) {
	n := newNode(t, node.Connected, 1, 3)
	dispatch(n, addr(3), dataMsg(3, 2, 1)) // forwarded to 1
	wire(t, n)
	// The Data forwarded to 1 waits for its Ack; a Welcome naming it is no
	// answer to a Hello and must not act as its Ack either.
	fwd := envelopeTo(t, n, 1, message.TypeData)
	if o := dispatch(n, addr(1), welcomeMsg(70, fwd.Seq, mem(1))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	wantDrops(t, n, map[string]uint64{"unsolicited": 1})
	envelopeTo(t, n, 1, message.TypeData)
}

func TestWelcomeNamingThisNodeIsDroppedAsSelf(t *testing.T) {
	n, seqs := joining(t, 1)
	if o := dispatch(n, addr(1), welcomeMsg(70, seqs[1], message.Member{ID: selfID, Addr: addr(1)})); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	wantDrops(t, n, map[string]uint64{"self": 1})
	wantQueued(t, n, "to 1 x3: Hello member="+md(5))
}

// A CONNECTED node greets a stranger (node.Greet); the stranger's Welcome
// makes it a member, and since its announcement will not be news here
// when it comes, it is passed on now.
func TestWelcomeToAGreetingAddsAndAnnouncesTheMember(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2, 3)
	n.Greet(addr(9))
	wire(t, n)
	hello := envelopeTo(t, n, 9, message.TypeHello)
	if o := dispatch(n, addr(9), welcomeMsg(70, hello.Seq, mem(9))); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	wantMembers(t, n, 1, 2, 3, 9)
	wantQueued(t, n,
		"to 1 x3: MemberList count=1 ["+md(9)+"]",
		"to 2 x3: MemberList count=1 ["+md(9)+"]",
		"to 3 x3: MemberList count=1 ["+md(9)+"]",
	)
	wantDrops(t, n, nil)
}

// joiningVia returns node 5 joining through seed by a Join (and its
// fallback Hello, due a ProbeTimeout later), with the Join sent, and the
// Join's seq.
func joiningVia(t *testing.T, seed uint64) (*node.Node, uint32) {
	t.Helper()
	n := newNode(t, node.Joining)
	n.JoinVia(addr(seed))
	if got := wire(t, n); len(got) != 1 || !strings.Contains(got[0], ": Join ") {
		t.Fatalf("setup: sent %q, want the Join alone", got)
	}
	return n, envelopeTo(t, n, seed, message.TypeJoin).Seq
}

// A seed that answers the Join speaks the extensions: the Hello that
// would have followed for a base-format seed is never sent.
func TestWelcomeNamingOurJoinCompletesTheJoinAndCancelsTheHello(t *testing.T) {
	n, seq := joiningVia(t, 1)
	if o := dispatch(n, addr(1), welcomeMsg(70, seq, mem(1))); o != node.Joined {
		t.Fatalf("outcome %v, want Joined", o)
	}
	wantQueued(t, n)
	n.Now = n.Now.Add(10 * retryInterval)
	if got := wire(t, n); len(got) != 0 {
		t.Fatalf("sent %q after the Welcome, want nothing", got)
	}
	wantMembers(t, n, 1)
	if !member(t, n, 1).Ext {
		t.Fatal("a seed that answered a Join is not marked as speaking the extensions")
	}
	wantDrops(t, n, nil)
}

// A seed that answers the Hello speaks only the base format: the Join,
// which it dropped, is not retried.
func TestWelcomeNamingOurHelloCompletesTheJoinAndCancelsTheJoin(t *testing.T) {
	n, _ := joiningVia(t, 1)
	n.Now = n.Now.Add(n.Cfg.ProbeTimeout)
	if got := wire(t, n); len(got) != 1 || !strings.Contains(got[0], ": Hello ") {
		t.Fatalf("sent %q a ProbeTimeout after the Join, want the Hello", got)
	}
	hello := envelopeTo(t, n, 1, message.TypeHello).Seq
	if o := dispatch(n, addr(1), welcomeMsg(71, hello, mem(1))); o != node.Joined {
		t.Fatalf("outcome %v, want Joined", o)
	}
	wantQueued(t, n)
	n.Now = n.Now.Add(10 * retryInterval)
	if got := wire(t, n); len(got) != 0 {
		t.Fatalf("sent %q after the Welcome, want nothing", got)
	}
	wantMembers(t, n, 1)
	if member(t, n, 1).Ext {
		t.Fatal("a seed that answered only the Hello is marked as speaking the extensions")
	}
}

// A seed this node removed at a known incarnation (it left and joins
// again, and still holds the burial) is told its verdict rather than
// taken back on its Welcome: it comes back by refuting it.
func TestWelcomeFromABuriedSeedTellsTheVerdictAndDoesNotAddIt(t *testing.T) {
	n, seq := joiningVia(t, 1)
	n.Members.Bury(members.Tomb{ID: 1, Addr: addr(1), Inc: 3, Reason: members.Failed, From: 7, Until: n.Now.Add(time.Minute)})
	var events []event
	recordEvents(n, &events)
	if o := dispatch(n, addr(1), welcomeMsg(72, seq, mem(1))); o != node.Joined {
		t.Fatalf("outcome %v, want Joined", o)
	}
	wantQueued(t, n, updateLine(1, false, failed(1, 3, 7)))
	wantMembers(t, n)
	wantEvents(t, events)
	if n.Stats.VerdictsTold != 1 {
		t.Fatalf("VerdictsTold = %d, want 1", n.Stats.VerdictsTold)
	}
}
