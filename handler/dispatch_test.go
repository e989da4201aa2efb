package handler_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// oneOfEach is a well-formed datagram of every plaintext type, each from
// its natural sender among members 1 and 2 (a newcomer 9 for the Hello).
func oneOfEach() []struct {
	name string
	from uint64
	b    []byte
} {
	return []struct {
		name string
		from uint64
		b    []byte
	}{
		{"Hello", 9, helloMsg(1, mem(9))},
		{"Welcome", 1, welcomeMsg(2, 1, mem(1))},
		{"MemberList", 1, memberListMsg(3, mem(3))},
		{"Ack", 1, ackMsg(4, 1)},
		{"Data", 1, dataMsg(5, 2, 1)},
		{"Status", 1, statusMsg(6, rec{1, 0}, rec{2, 3})},
		{"Leave", 2, leaveMsg(7, mem(2))},
	}
}

func TestDispatchDropsEverythingBeforeJoiningAndAfterLeaving(t *testing.T) {
	for _, phase := range []node.Phase{node.Initialized, node.Disconnected, node.Destroyed} {
		for _, d := range oneOfEach() {
			if phase == node.Disconnected && d.name == "Ack" {
				continue // a node that left still takes its Leaves' Acks: TestDispatchAfterLeavingTakesAcks
			}
			t.Run(fmt.Sprintf("phase %d %s", phase, d.name), func(t *testing.T) {
				n := newNode(t, phase, 1, 2)
				if o := dispatch(n, addr(d.from), d.b); o != node.NoChange {
					t.Fatalf("outcome %v, want NoChange", o)
				}
				wantDrops(t, n, map[string]uint64{"state": 1})
				wantQueued(t, n)
				wantMembers(t, n, 1, 2)
			})
		}
	}
}

func TestDispatchAfterLeavingTakesAcks(t *testing.T) {
	n := newNode(t, node.Disconnected, 1, 2)
	if o := dispatch(n, addr(1), ackMsg(4, 1)); o != node.NoChange {
		t.Fatalf("outcome %v, want NoChange", o)
	}
	wantDrops(t, n, nil)
	if n.Stats.StaleAcks != 1 {
		t.Fatalf("StaleAcks = %d, want 1 (an Ack naming nothing waiting)", n.Stats.StaleAcks)
	}
}

func TestDispatchWhileJoiningDropsOnlyHello(t *testing.T) {
	for _, d := range oneOfEach() {
		t.Run(d.name, func(t *testing.T) {
			n := newNode(t, node.Joining, 1, 2)
			dispatch(n, addr(d.from), d.b)
			dropped := n.Stats.Drops[node.DropPhase] == 1
			if want := d.name == "Hello"; dropped != want {
				t.Fatalf("dropped as state: %v, want %v", dropped, want)
			}
			if d.name == "Hello" {
				wantQueued(t, n)
				wantMembers(t, n, 1, 2)
			}
		})
	}
}

func TestDispatchDropsMalformedDatagramsByReason(t *testing.T) {
	edit := func(b []byte, f func([]byte) []byte) []byte { return f(slices.Clone(b)) }
	data := dataMsg(5, 2, 1)
	for _, c := range []struct {
		name   string
		b      []byte
		reason string
	}{
		{"shorter than a header", data[:5], "short"},
		{"another version", edit(data, func(b []byte) []byte { b[2] = 2; return b }), "version"},
		{"non-zero flags", edit(data, func(b []byte) []byte { b[3] = 1; return b }), "flags"},
		{"an unknown type", edit(data, func(b []byte) []byte { b[1] = 200; return b }), "unknown_type"},
		{"a Data cut short", data[:len(data)-1], "short"},
		{"a Data with trailing bytes", append(slices.Clone(data), 0), "trailing"},
		{"a Data with originSeq 0", edit(data, func(b []byte) []byte { b[16], b[17], b[18], b[19] = 0, 0, 0, 0; return b }), "invalid"},
		{"a Status missing its records", statusMsg(6, rec{1, 0})[:10], "short"},
		{"a Status with a record id 0", edit(statusMsg(6, rec{1, 0}), func(b []byte) []byte { clear(b[10:18]); return b }), "invalid"},
		{"a MemberList with an address of another protocol", edit(memberListMsg(3, mem(3)), func(b []byte) []byte { b[19] = 0x06; return b }), "address"},
		{"a Hello with addrLen 0", edit(helloMsg(1, mem(9)), func(b []byte) []byte { b[16] = 0; return b[:17] }), "address"},
		{"an Ack with trailing bytes", append(ackMsg(4, 1), 0), "trailing"},
		{"a Welcome cut short", welcomeMsg(2, 1, mem(1))[:10], "short"},
		{"a Leave with trailing bytes", append(leaveMsg(7, mem(9)), 0), "trailing"},
		{"a sealed datagram, with no keys to open it", edit(make([]byte, 48), func(b []byte) []byte {
			message.PutHeader(b, message.TypeSealed, 0)
			b[3] = 0x42 // the key id
			return b
		}), "sealed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// From a stranger, while CONNECTED: a well-formed Data would
			// be greeted, a malformed one changes nothing but its count.
			n := newNode(t, node.Connected, 1, 2)
			if o := dispatch(n, addr(9), c.b); o != node.NoChange {
				t.Fatalf("outcome %v, want NoChange", o)
			}
			wantDrops(t, n, map[string]uint64{c.reason: 1})
			wantQueued(t, n)
			wantMembers(t, n, 1, 2)
			if n.Stats.Greetings != 0 || n.Log.Len() != 0 || n.Versions.Len() != 0 {
				t.Fatalf("Greetings %d, logged %d, origins %d; want nothing", n.Stats.Greetings, n.Log.Len(), n.Versions.Len())
			}
		})
	}
}

// A CONNECTED node that hears news from a sender it does not know missed
// that sender's announcement: it greets it with a Hello.
func TestDispatchGreetsAStrangerThatSendsNews(t *testing.T) {
	for _, c := range []struct {
		name  string
		phase node.Phase
		from  uint64
		b     []byte
		greet bool
	}{
		{"Data", node.Connected, 9, dataMsg(5, 2, 1), true},
		{"Status", node.Connected, 9, statusMsg(6, rec{2, 0}), true},
		// A MemberList is not greeted: it is most often an introduction,
		// which makes the sender a member anyway.
		{"an empty MemberList", node.Connected, 9, memberListMsg(3), false},
		{"a MemberList about others", node.Connected, 9, memberListMsg(3, mem(3)), false},
		{"Data from a member", node.Connected, 1, dataMsg(5, 2, 1), false},
		{"Ack", node.Connected, 9, ackMsg(4, 1), false},
		{"Leave", node.Connected, 9, leaveMsg(7, mem(9)), false},
		{"Welcome", node.Connected, 9, welcomeMsg(2, 1, mem(9)), false},
		{"Data while JOINING", node.Joining, 9, dataMsg(5, 2, 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, c.phase, 1, 2)
			dispatch(n, addr(c.from), c.b)
			hellos := linesOf(queued(n), "Hello")
			var want []string
			if c.greet {
				want = []string{"to 9 x3: Hello member=" + md(selfID)}
				if e := envelopeTo(t, n, 9, message.TypeHello); e.ToID != 0 {
					t.Fatalf("greeting has ToID %d, want 0: a stranger's id is not known", e.ToID)
				}
			}
			if !slices.Equal(hellos, want) || n.Stats.Greetings != uint64(len(want)) {
				t.Fatalf("Hellos %q (Greetings %d), want %q", hellos, n.Stats.Greetings, want)
			}
		})
	}
}

func TestDispatchGreetsEachStrangerOnceAndAtMostMaxGreetings(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2)
	dispatch(n, addr(9), dataMsg(5, 2, 1))
	dispatch(n, addr(9), dataMsg(6, 2, 2))
	if got := len(linesOf(queued(n), "Hello")); got != 1 {
		t.Fatalf("%d Hellos to one stranger, want 1", got)
	}
	for id := uint64(10); id < 20; id++ {
		dispatch(n, addr(id), statusMsg(7, rec{2, 0}))
	}
	if got := n.Out.Pending(message.TypeHello); got != node.MaxGreetings {
		t.Fatalf("%d greetings out, want at most MaxGreetings = %d", got, node.MaxGreetings)
	}
	if n.Stats.Greetings != node.MaxGreetings {
		t.Fatalf("Greetings = %d, want %d", n.Stats.Greetings, node.MaxGreetings)
	}
}
