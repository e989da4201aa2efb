package handler_test

import (
	"slices"
	"testing"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/handler"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// expire runs the queue's Expire at n.Now with handler.Expired as the
// callback, as the service's Tick does, and returns the outcomes.
func expire(n *node.Node) []node.Outcome {
	var out []node.Outcome
	n.Out.Expire(n.Now, func(e envelope.Out) { out = append(out, handler.Expired(n, e)) })
	return out
}

// advance moves n's clock on by one RetryInterval and sends what is due.
func advance(t *testing.T, n *node.Node) []string {
	t.Helper()
	n.Now = n.Now.Add(retryInterval)
	return wire(t, n)
}

func TestExpiredRemovesTheUnresponsiveRecipientAsFailed(t *testing.T) {
	n := newNode(t, node.Connected, 1, 2)
	var events []event
	recordEvents(n, &events)
	for seq := range uint32(2) {
		if err := n.Originate(payloadOf(selfID, seq+1)); err != nil {
			t.Fatal(err)
		}
	}
	wire(t, n)
	for seq := range uint32(2) { // 2 acknowledges both, 1 nothing
		dispatch(n, addr(2), ackMsg(20+seq, envelopeTo(t, n, 2, message.TypeData).Seq))
	}
	advance(t, n)
	advance(t, n)
	n.Now = n.Now.Add(retryInterval)
	// The first Data to 1 expires and removes 1, which drops the second
	// Data to 1 as well: that one must not expire a second time.
	if got := expire(n); !slices.Equal(got, []node.Outcome{node.NoChange}) {
		t.Fatalf("outcomes %v, want one NoChange", got)
	}
	wantMembers(t, n, 2)
	if want := []event{{node.MemberFailed, 1}}; !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	if n.Stats.MembersFailed != 1 {
		t.Fatalf("MembersFailed = %d, want 1", n.Stats.MembersFailed)
	}
	if n.Out.Len() != 0 || len(n.Out.Envelopes(nil)) != 0 {
		t.Fatalf("queue Len %d, holding %q; want empty", n.Out.Len(), queued(n))
	}
	if st := n.Out.Stats(); st.Expired != 1 {
		t.Fatalf("queue Expired = %d, want 1", st.Expired)
	}
}

func TestExpiredLeavesAloneWhatIsNotTheMemberAddressed(t *testing.T) {
	for _, c := range []struct {
		name string
		e    envelope.Out
	}{
		{"no id: an Ack or a Hello", envelope.Out{To: addr(1), Type: message.TypeAck, Attempt: 1, MaxAttempts: 1}},
		{"the member moved since", envelope.Out{To: addr(2), ToID: 2, Type: message.TypeData, Attempt: 3, MaxAttempts: 3}},
		{"not a member", envelope.Out{To: addr(9), ToID: 9, Type: message.TypeStatus, Attempt: 3, MaxAttempts: 3}},
		{"a greeting while CONNECTED", envelope.Out{To: addr(9), Type: message.TypeHello, Attempt: 3, MaxAttempts: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, 1, 2)
			n.Members.Add(members.Member{ID: 2, Addr: addr(8)}) // 2 moved to 7008
			if o := handler.Expired(n, c.e); o != node.NoChange {
				t.Fatalf("outcome %v, want NoChange", o)
			}
			wantMembers(t, n, 1, 2)
			if n.Stats.MembersFailed != 0 {
				t.Fatalf("MembersFailed = %d, want 0", n.Stats.MembersFailed)
			}
		})
	}
}

func TestExpiredLastHelloWhileJoiningFailsTheJoin(t *testing.T) {
	n := newNode(t, node.Joining)
	n.Hello(addr(1))
	wire(t, n)
	n.Now = n.Now.Add(retryInterval / 2)
	n.Hello(addr(2)) // half a RetryInterval behind the first
	wire(t, n)
	for range 2 {
		n.Now = n.Now.Add(retryInterval / 2)
		wire(t, n)
		n.Now = n.Now.Add(retryInterval / 2)
		wire(t, n)
	}
	n.Now = n.Now.Add(retryInterval / 2)
	// The first Hello expires while the second still waits for its seed.
	if got := expire(n); !slices.Equal(got, []node.Outcome{node.NoChange}) {
		t.Fatalf("first expiry: outcomes %v, want [NoChange]", got)
	}
	n.Now = n.Now.Add(retryInterval / 2)
	if got := expire(n); !slices.Equal(got, []node.Outcome{node.JoinFailed}) {
		t.Fatalf("last expiry: outcomes %v, want [JoinFailed]", got)
	}
	wantMembers(t, n)
}

func TestExpiredHellosTogetherFailTheJoinOnce(t *testing.T) {
	n, _ := joining(t, 1, 2)
	advance(t, n)
	advance(t, n)
	n.Now = n.Now.Add(retryInterval)
	if got := expire(n); !slices.Equal(got, []node.Outcome{node.NoChange, node.JoinFailed}) {
		t.Fatalf("outcomes %v, want [NoChange JoinFailed]", got)
	}
}
