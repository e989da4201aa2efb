package handler_test

import (
	"fmt"
	"testing"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/message"
)

// farID is a member in bucket 1 of a 64-bucket Digest (the small ids are
// all in bucket 0); it listens at port 7006.
const farID = 1<<58 | 6

// digestNode returns node 5, CONNECTED, knowing by their records 1, 2
// (with metadata) and farID, and having buried 3 at incarnation 4.
func digestNode(t *testing.T) *node.Node {
	t.Helper()
	n := newNode(t, node.Connected, 1, 2, 3)
	withRecord(t, n, 1, 1)
	withRecord(t, n, 2, 2, 0xaa)
	withRecord(t, n, 3, 4)
	if r, _ := n.Members.Add(members.Member{ID: farID, Addr: addr(6), Inc: 1, Ext: true}); r != members.Added {
		t.Fatal("setup")
	}
	bury(t, n, 3, 4, selfID)
	return n
}

// viewOf returns node n's own Digest of its view (as answer), at the
// size its datagrams allow.
func viewOf(n *node.Node, answer bool) *message.Digest {
	d := new(message.Digest)
	n.Members.Digest(d, message.DigestBits(n.Cfg.MaxMessageSize), answer, n.Inc, make([]byte, 1<<message.MaxDigestBits*message.DigestBucketSize))
	return d
}

// differing returns n's view with bucket i changed, as a member whose
// view differs there would send it.
func differing(n *node.Node, answer bool, i int) *message.Digest {
	d := viewOf(n, answer)
	c, h := d.Bucket(i)
	d.SetBucket(i, c, h^1)
	return d
}

func TestDigestEqualToThisNodesViewIsOnlyAcknowledged(t *testing.T) {
	n := digestNode(t)
	dispatch(n, addr(1), digestMsg(40, viewOf(n, false)))
	wantQueued(t, n, "to 1 x1: Ack acked=40")
	if n.Stats.DigestRepairs != 0 {
		t.Fatalf("DigestRepairs = %d, want 0", n.Stats.DigestRepairs)
	}
}

// Where the views differ, the member gets this node's records of those
// buckets (its own, its members', its recent verdicts) and, unless its
// Digest answers one of this node's, this node's view to answer.
func TestDigestThatDiffersGetsTheBucketsRecordsAndThisNodesDigest(t *testing.T) {
	for _, answer := range []bool{false, true} {
		t.Run(fmt.Sprintf("answer=%v", answer), func(t *testing.T) {
			n := digestNode(t)
			dispatch(n, addr(1), digestMsg(41, differing(n, answer, 0)))
			// Bucket 0 holds 1, 2, 5 and the buried 3; farID's bucket 1
			// agrees, so its record is not sent.
			want := []string{
				"to 1 x1: Ack acked=41",
				updateLine(1, false, alive(selfID, 1), alive(1, 1), alive(2, 2, 0xaa), failed(3, 4, selfID)),
			}
			if !answer {
				want = append(want, "to 1 x3: "+describe(digestMsg(1, viewOf(n, true))))
			}
			wantQueued(t, n, want...)
			if n.Stats.DigestRepairs != 1 {
				t.Fatalf("DigestRepairs = %d, want 1", n.Stats.DigestRepairs)
			}
		})
	}
}

func TestDigestThatDiffersInTheFarBucketGetsOnlyItsRecords(t *testing.T) {
	n := digestNode(t)
	dispatch(n, addr(1), digestMsg(42, differing(n, true, 1)))
	far := alive(farID, 1)
	far.Addr = addr(6)
	wantQueued(t, n, "to 1 x1: Ack acked=42", updateLine(1, false, far))
}

// A stranger's Digest draws nothing out of this node but the Ack.
func TestDigestFromAStrangerIsOnlyAcknowledged(t *testing.T) {
	n := digestNode(t)
	dispatch(n, addr(9), digestMsg(43, differing(n, false, 0)))
	wantQueued(t, n, "to 9 x1: Ack acked=43")
	wantMembers(t, n, 1, 2, farID)
}
