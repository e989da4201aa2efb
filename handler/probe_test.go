package handler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// probeNode returns node 5, CONNECTED, knowing members 1, 2 and 3 by
// their records.
func probeNode(t *testing.T) *node.Node {
	t.Helper()
	n := newNode(t, node.Connected, 1, 2, 3)
	for _, id := range memberIDs(n) {
		withRecord(t, n, id, 1)
	}
	return n
}

func probeResultLine(to uint64, requestSeq uint32, target uint64, reached bool) string {
	return fmt.Sprintf("to %d x1: ProbeResult request=%d target=%s reached=%v", to, requestSeq, hx(target), reached)
}

// A stranger cannot make this node send anything: not a probe, not an
// answer.
func TestProbeRequestFromAStrangerIsDroppedAsUnsolicited(t *testing.T) {
	n := probeNode(t)
	dispatch(n, addr(9), probeRequestMsg(50, mem(2)))
	wantQueued(t, n)
	wantDrops(t, n, map[string]uint64{"unsolicited": 1})
	if n.Detector.Stats().Relayed != 0 {
		t.Fatal("a stranger's request was relayed")
	}
}

// A request about this node is answered at once: it is alive.
func TestProbeRequestAboutThisNodeIsAnsweredReachedAtOnce(t *testing.T) {
	n := probeNode(t)
	dispatch(n, addr(1), probeRequestMsg(51, mem(selfID)))
	wantQueued(t, n, probeResultLine(1, 51, selfID, true))
	wantDrops(t, n, nil)
}

// A member this node does not know at that address is not probed: a
// request cannot aim this node's datagrams at an address of its choice.
func TestProbeRequestAboutAMemberNotKnownThereIsAnsweredNotReached(t *testing.T) {
	for _, c := range []struct {
		name   string
		target message.Member
	}{
		{"a member at another address", message.Member{ID: 2, Addr: addr(8)}},
		{"a stranger", mem(9)},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := probeNode(t)
			dispatch(n, addr(1), probeRequestMsg(52, c.target))
			wantQueued(t, n, probeResultLine(1, 52, c.target.ID, false))
			if n.Detector.Stats().Relayed != 0 {
				t.Fatal("relayed a probe to an unknown target")
			}
		})
	}
}

// A member's request about another member: this node pings the target
// once, and its Ack becomes a positive ProbeResult naming the request.
func TestProbeRequestPingsTheTargetOnceAndItsAckAnswersTheRequester(t *testing.T) {
	n := probeNode(t)
	dispatch(n, addr(1), probeRequestMsg(53, mem(2)))
	wantQueued(t, n, "to 2 x1: MemberList count=0 []")
	ping := envelopeTo(t, n, 2, message.TypeMemberList)
	if got := wire(t, n); len(got) != 1 {
		t.Fatalf("sent %q, want the ping", got)
	}
	n.Now = n.Now.Add(2 * retryInterval)
	if got := wire(t, n); len(got) != 0 {
		t.Fatalf("sent %q later, want nothing: the ping is sent once", got)
	}
	dispatch(n, addr(2), ackMsg(90, ping.Seq))
	wantQueued(t, n, probeResultLine(1, 53, 2, true))
	if n.Stats.AcksReceived != 1 {
		t.Fatalf("AcksReceived = %d, want 1", n.Stats.AcksReceived)
	}
	// The probe is over: the same Ack again answers nothing.
	wire(t, n)
	dispatch(n, addr(2), ackMsg(91, ping.Seq))
	wantQueued(t, n)
	if n.Stats.StaleAcks != 1 {
		t.Fatalf("StaleAcks = %d, want 1", n.Stats.StaleAcks)
	}
}

// An Ack from another address than the target's does not answer the
// ping; the probe runs out, and the requester is told so.
func TestProbeRequestUnansweredIsAnsweredNotReachedWhenTheProbeRunsOut(t *testing.T) {
	n := probeNode(t)
	dispatch(n, addr(1), probeRequestMsg(54, mem(2)))
	ping := envelopeTo(t, n, 2, message.TypeMemberList)
	wire(t, n)
	dispatch(n, addr(3), ackMsg(92, ping.Seq))
	wantQueued(t, n)
	for range 4 {
		n.Now = n.Now.Add(n.Cfg.ProbeTimeout / 4)
		n.Detect()
	}
	wantQueued(t, n, probeResultLine(1, 54, 2, false))
}

func TestProbeResultForNoPendingRequestIsDroppedAsUnsolicited(t *testing.T) {
	for _, reached := range []bool{true, false} {
		n := probeNode(t)
		dispatch(n, addr(1), probeResultMsg(55, 1234, 2, reached))
		wantQueued(t, n)
		wantDrops(t, n, map[string]uint64{"unsolicited": 1})
	}
}

// This node's own probe of 2 went unanswered and it asked 1 and 3 to
// probe it: their ProbeResults are matched to the requests, once each,
// and only from the relay asked.
func TestProbeResultAnswersThisNodesRequest(t *testing.T) {
	n := probeNode(t)
	n.Detector.Probe(detector.Direct, 2, addr(2), 1, 77, n.Now) // as if a ping of seq 77 went out
	n.Now = n.Now.Add(n.Cfg.ProbeTimeout / 2)
	n.Detect() // the early retry
	n.Now = n.Now.Add(n.Cfg.ProbeTimeout / 2)
	n.Detect() // the indirect probes
	var requests []uint32
	relays := map[uint32]uint64{}
	for _, e := range n.Out.Envelopes(nil) {
		if e.Type == message.TypeProbeRequest {
			requests = append(requests, e.Seq)
			relays[e.Seq] = uint64(e.To.Port() - 7000)
		}
	}
	if len(requests) != 2 {
		t.Fatalf("queued:\n\t%v\nwant ProbeRequests to 1 and 3", queued(n))
	}
	r0, r1 := requests[0], requests[1]
	// From the wrong relay: unsolicited.
	dispatch(n, addr(relays[r1]), probeResultMsg(56, r0, 2, false))
	wantDrops(t, n, map[string]uint64{"unsolicited": 1})
	// A negative result from the right relay counts, once.
	dispatch(n, addr(relays[r0]), probeResultMsg(57, r0, 2, false))
	dispatch(n, addr(relays[r0]), probeResultMsg(58, r0, 2, false))
	wantDrops(t, n, map[string]uint64{"unsolicited": 2})
	if st := n.Detector.Stats(); st.IndirectNacks != 1 {
		t.Fatalf("IndirectNacks = %d, want 1", st.IndirectNacks)
	}
	// A positive one ends the probe: no suspicion follows.
	dispatch(n, addr(relays[r1]), probeResultMsg(59, r1, 2, true))
	if n.Detector.Probing(2) {
		t.Fatal("still probing 2 after a relay reached it")
	}
	for range 20 {
		n.Now = n.Now.Add(100 * time.Millisecond)
		n.Detect()
	}
	if _, s := n.Detector.Suspected(2); s {
		t.Fatal("2 suspected although a relay reached it")
	}
	wantMembers(t, n, 1, 2, 3)
}
