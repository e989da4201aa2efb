package handler_test

import (
	"fmt"
	"testing"

	"github.com/tickgossip/gossip/internal/node"
)

// statusLine renders a Status queued to id.
func statusLine(to uint64, recs ...rec) string {
	return fmt.Sprintf("to %d x3: %s", to, describe(statusMsg(1, recs...)))
}

// A Status is either a vector (a round's, whose first record is its
// sender's own, see node.StatusRound, or another implementation's) or an
// answer to one, whose first record names this node. The sender here is
// member 1, and
// this node has seen Data 1:1, 2:1..4, 3:1..2 and 4:1, logged in the order
// 2:1 2:2 1:1 3:1 2:3 4:1 2:4 3:2.
func TestStatus(t *testing.T) {
	for _, c := range []struct {
		name   string
		recs   []rec
		budget int
		small  bool // MaxMessageSize 64: a Status holds at most 4 records
		log    [][2]uint64
		want   []string
	}{
		{
			name: "an answer: the listed origins above the listed seq, oldest first, at most RepairBudget",
			recs: []rec{{selfID, 0}, {2, 1}, {3, 0}},
			want: []string{dataLine(1, 2, 2), dataLine(1, 3, 1)},
		},
		{
			name:   "an answer: only the listed origins",
			recs:   []rec{{selfID, 0}, {2, 1}, {3, 0}},
			budget: 10,
			want:   []string{dataLine(1, 2, 2), dataLine(1, 3, 1), dataLine(1, 2, 3), dataLine(1, 2, 4), dataLine(1, 3, 2)},
		},
		{
			name: "an answer leads with this node's record: only what is listed",
			recs: []rec{{selfID, 0}, {2, 3}, {3, 1}},
			want: []string{dataLine(1, 2, 4), dataLine(1, 3, 2)},
		},
		{
			// An answer lists only origins where its sender is behind:
			// one that is level or ahead on one is another
			// implementation's vector, led by this node's id by chance.
			name:   "led by this node's record but level on another origin: a vector",
			recs:   []rec{{selfID, 0}, {2, 4}, {3, 1}},
			budget: 10,
			want:   []string{dataLine(1, 4, 1), dataLine(1, 3, 2)},
		},
		{
			name: "an answer: nothing the sender lacks",
			recs: []rec{{selfID, 0}, {2, 4}, {3, 2}, {4, 1}},
		},
		{
			// No answer of this implementation lists an origin at or
			// ahead of its receiver: such a Status is another
			// implementation's vector, its sender's record first or not.
			name:   "not own record first, but ahead on an origin: a vector, repaired and answered",
			recs:   []rec{{2, 9}, {7, 5}},
			budget: 10,
			want:   []string{dataLine(1, 3, 1), dataLine(1, 4, 1), dataLine(1, 3, 2), statusLine(1, rec{1, 1}, rec{2, 4}, rec{7, 0})},
		},
		{
			name:   "not own record first, level with this node on an origin: a vector",
			recs:   []rec{{3, 2}, {2, 1}},
			budget: 10,
			want:   []string{dataLine(1, 2, 2), dataLine(1, 2, 3), dataLine(1, 4, 1), dataLine(1, 2, 4)},
		},
		{
			// A client that has seen no data yet sends an empty Status:
			// it lacks everything in the log but its own.
			name:   "an empty Status: the whole log, oldest first, never the sender's own",
			budget: 10,
			want: []string{dataLine(1, 2, 1), dataLine(1, 2, 2), dataLine(1, 3, 1), dataLine(1, 2, 3),
				dataLine(1, 4, 1), dataLine(1, 2, 4), dataLine(1, 3, 2)},
		},
		{
			name: "an empty Status: at most RepairBudget",
			want: []string{dataLine(1, 2, 1), dataLine(1, 2, 2)},
		},
		{
			name: "a round's: nothing either side lacks",
			recs: []rec{{1, 1}, {2, 4}, {3, 2}, {4, 1}},
		},
		{
			// The answer leads with a record for the node it answers, which
			// marks it as an answer.
			name: "a round's: answered with just the origins where this node is behind, at its own seq",
			recs: []rec{{1, 1}, {2, 9}, {3, 2}, {4, 1}, {7, 5}},
			want: []string{statusLine(1, rec{1, 1}, rec{2, 4}, rec{7, 0})},
		},
		{
			name: "a round's: the sender's own record counts",
			recs: []rec{{1, 3}, {2, 4}, {3, 2}, {4, 1}},
			want: []string{statusLine(1, rec{1, 1})},
		},
		{
			name: "a round's: this node's own origin is never asked for",
			recs: []rec{{1, 1}, {2, 4}, {3, 2}, {4, 1}, {selfID, 7}},
		},
		{
			name: "a round's: repairs and answers",
			recs: []rec{{1, 1}, {2, 2}, {3, 2}, {4, 1}, {9, 1}},
			want: []string{dataLine(1, 2, 3), dataLine(1, 2, 4), statusLine(1, rec{1, 1}, rec{9, 0})},
		},
		{
			// A round's Status with room to spare is its sender's whole
			// vector: an origin it does not list, it has never heard from.
			name: "a round's with room to spare: unlisted origins from the start, never the sender's own",
			recs: []rec{{1, 0}, {2, 4}, {3, 2}},
			want: []string{dataLine(1, 4, 1)},
		},
		{
			// A full round's Status lists a window of its sender's vector,
			// after its own record: here 3..8, so 6 is an origin it has
			// never heard from; of 2 and 9 it says nothing.
			name:   "a full round's: unlisted origins inside its window only",
			small:  true,
			recs:   []rec{{1, 0}, {3, 0}, {4, 0}, {8, 0}},
			log:    [][2]uint64{{2, 1}, {3, 1}, {6, 1}, {9, 1}},
			budget: 10,
			want:   []string{dataLine(1, 3, 1), dataLine(1, 6, 1)},
		},
		{
			name:   "a full round's: a window that wraps around",
			small:  true,
			recs:   []rec{{1, 0}, {8, 0}, {9, 0}, {2, 0}},
			log:    [][2]uint64{{2, 1}, {3, 1}, {6, 1}, {9, 1}, {0xa, 1}},
			budget: 10,
			want:   []string{dataLine(1, 2, 1), dataLine(1, 9, 1), dataLine(1, 0xa, 1)},
		},
		{
			name: "this node's own data is repaired like any other",
			recs: []rec{{selfID, 0}},
			log:  [][2]uint64{{selfID, 1}, {selfID, 2}},
			want: []string{dataLine(1, selfID, 1), dataLine(1, selfID, 2)},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := newNode(t, node.Connected, 1, 2, 3, 4)
			if c.budget != 0 {
				n.Cfg.RepairBudget = c.budget
			}
			if c.small {
				n.Cfg.MaxMessageSize = 64
			}
			log := c.log
			if log == nil {
				log = [][2]uint64{{2, 1}, {2, 2}, {1, 1}, {3, 1}, {2, 3}, {4, 1}, {2, 4}, {3, 2}}
			}
			for _, e := range log {
				logData(n, e[0], uint32(e[1]))
			}
			if o := dispatch(n, addr(1), statusMsg(60, c.recs...)); o != node.NoChange {
				t.Fatalf("outcome %v, want NoChange", o)
			}
			wantQueued(t, n, append([]string{"to 1 x1: Ack acked=60"}, c.want...)...)
			q := queued(n)
			st := n.Stats
			if st.StatusReceived != 1 || st.DataRepaired != uint64(len(linesOf(q, "Data"))) || st.StatusSent != uint64(len(linesOf(q, "Status"))) {
				t.Fatalf("StatusReceived, DataRepaired, StatusSent = %d, %d, %d", st.StatusReceived, st.DataRepaired, st.StatusSent)
			}
			for _, e := range n.Out.Envelopes(nil) {
				if e.MaxAttempts > 1 && e.ToID != 1 {
					t.Fatalf("%s went out with ToID %d, want the sender's id 1", line(n.Out, e), e.ToID)
				}
			}
		})
	}
}
