package detector

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The ring of a cluster of members+1 nodes is their ids in order; ring
// position p is the node with p smaller ids. The node at position p
// holds the other members in its table in id order, so its table index i
// is ring position i below p and i+1 from p on.
func tableToRing(p, i int) int {
	if i < p {
		return i
	}
	return i + 1
}

func ringToTable(p, pos int) int {
	if pos < p {
		return pos
	}
	return pos - 1
}

// checkRound fails unless, in round r, the probes of all members+1 nodes
// (each computing ProbeTarget at its own position) form a permutation
// without fixed points, and returns who each node probed, by ring
// position.
func checkRound(t *testing.T, members int, r uint64) []int {
	t.Helper()
	nodes := members + 1
	probed := make([]int, nodes) // by ring position: how often probed
	targets := make([]int, nodes)
	for p := range nodes {
		i := ProbeTarget(p, members, r)
		if i < 0 || i >= members {
			t.Fatalf("members %d round %d: node %d: ProbeTarget = %d, want a table index in [0, %d)", members, r, p, i, members)
		}
		q := tableToRing(p, i)
		if q == p {
			t.Fatalf("members %d round %d: node %d probes itself", members, r, p)
		}
		probed[q]++
		targets[p] = q
	}
	for q, c := range probed {
		if c != 1 {
			t.Fatalf("members %d round %d: node %d probed %d times, want exactly once", members, r, q, c)
		}
	}
	return targets
}

func TestProbeTargetEmptyTable(t *testing.T) {
	for _, members := range []int{0, -1} {
		for r := range uint64(3) {
			if got := ProbeTarget(0, members, r); got != -1 {
				t.Errorf("ProbeTarget(0, %d, %d) = %d, want -1", members, r, got)
			}
		}
	}
}

func TestProbeTargetTwoNodesProbeEachOther(t *testing.T) {
	for r := range uint64(4) {
		if got := ProbeTarget(0, 1, r); got != 0 {
			t.Errorf("node 0, round %d: ProbeTarget = %d, want 0", r, got)
		}
		if got := ProbeTarget(1, 1, r); got != 0 {
			t.Errorf("node 1, round %d: ProbeTarget = %d, want 0", r, got)
		}
	}
}

// Over members consecutive rounds (from any round) each node probes every
// other member exactly once, and every round is a permutation.
func TestProbeTargetEveryRoundAPermutationEveryMemberOncePerCycle(t *testing.T) {
	for _, members := range []int{1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 100} {
		for _, start := range []uint64{0, 1, uint64(members) - 1, 1 << 40, ^uint64(0) - uint64(members)} {
			seen := make([][]bool, members+1)
			for p := range seen {
				seen[p] = make([]bool, members+1)
			}
			for j := range uint64(members) {
				for p, q := range checkRound(t, members, start+j) {
					if seen[p][q] {
						t.Fatalf("members %d from round %d: node %d probes %d twice within %d rounds", members, start, p, q, members)
					}
					seen[p][q] = true
				}
			}
			for p := range seen {
				for q, ok := range seen[p] {
					if ok == (p == q) {
						t.Fatalf("members %d from round %d: node %d probed %d: %v", members, start, p, q, ok)
					}
				}
			}
		}
	}
}

// The round number only matters modulo members: the schedule repeats.
func TestProbeTargetRepeatsEveryMembersRounds(t *testing.T) {
	for _, members := range []int{1, 3, 10} {
		for self := range members + 1 {
			for r := range uint64(members) {
				a, b := ProbeTarget(self, members, r), ProbeTarget(self, members, r+uint64(members)*7)
				if a != b {
					t.Errorf("members %d self %d: round %d probes %d, round %d probes %d", members, self, r, a, r+uint64(members)*7, b)
				}
			}
		}
	}
}

func TestProbeTargetPropertyRandomSizesAndRounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		members := 1 + rng.IntN(400)
		checkRound(t, members, rng.Uint64())
	}
}

func TestPredecessors(t *testing.T) {
	// Ring positions 0..5, this node at 2: table index 0, 1 are positions
	// 0, 1 and table index 2, 3, 4 are positions 3, 4, 5.
	for _, tc := range []struct {
		name                  string
		self, members, target int
		k                     int
		want                  []int
	}{
		{"nearest first, skipping self", 2, 5, 2, 3, []int{1, 0, 4}},
		{"own predecessors", 2, 5, -1, 3, []int{1, 0, 4}},
		{"wraps past position 0", 2, 5, 0, 4, []int{4, 3, 2, 1}},
		{"target just after self", 2, 5, 2, 1, []int{1}},
		{"target at the ring's end", 2, 5, 4, 2, []int{3, 2}},
		{"self first on the ring", 0, 4, -1, 2, []int{3, 2}},
		{"self last on the ring", 4, 4, -1, 2, []int{3, 2}},
		{"k zero", 2, 5, 3, 0, nil},
		{"k larger than the ring: all but self and target", 2, 5, 3, 10, []int{2, 1, 0, 4}},
		{"k larger than the ring: own, every member", 2, 5, -1, 10, []int{1, 0, 4, 3, 2}},
		{"two members, target has only the other", 1, 2, 0, 3, []int{1}},
		{"one member: nobody but self before it", 0, 1, 0, 3, nil},
		{"one member: own predecessor is it", 0, 1, -1, 3, []int{0}},
		{"empty table", 0, 0, -1, 3, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Predecessors(nil, tc.self, tc.members, tc.target, tc.k)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Predecessors(nil, self %d, members %d, target %d, k %d) = %v, want %v",
					tc.self, tc.members, tc.target, tc.k, got, tc.want)
			}
		})
	}
}

func TestPredecessorsAppendsToDst(t *testing.T) {
	dst := make([]int, 1, 8)
	dst[0] = 99
	got := Predecessors(dst, 2, 5, 2, 2)
	if !slices.Equal(got, []int{99, 1, 0}) {
		t.Errorf("Predecessors(dst) = %v, want [99 1 0]", got)
	}
}

// Brute force over random rings: the result is the k nearest members
// before the target, nearest first, never this node or the target.
func TestPredecessorsPropertyRandomRings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		members := rng.IntN(40)
		self := rng.IntN(members + 1)
		target := -1
		if members > 0 && rng.IntN(4) != 0 {
			target = rng.IntN(members)
		}
		k := rng.IntN(12)
		got := Predecessors(nil, self, members, target, k)

		ring := members + 1
		pos := self
		if target >= 0 {
			pos = tableToRing(self, target)
		}
		var want []int
		for d := 1; d < ring && len(want) < k; d++ {
			p := ((pos-d)%ring + ring) % ring
			if p != self {
				want = append(want, ringToTable(self, p))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Predecessors(self %d, members %d, target %d, k %d) = %v, want %v", self, members, target, k, got, want)
		}
		if slices.Contains(got, target) {
			t.Fatalf("Predecessors(self %d, members %d, target %d, k %d) = %v holds the target", self, members, target, k, got)
		}
		avail := members
		if target >= 0 {
			avail--
		}
		if len(got) != min(k, avail) {
			t.Fatalf("Predecessors(self %d, members %d, target %d, k %d) = %v: %d, want %d", self, members, target, k, got, len(got), min(k, avail))
		}
	}
}
