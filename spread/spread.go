// Package spread chooses the recipients of a message.
//
// Recipients are chosen by index into the caller's member table, so this
// package knows nothing of members or addresses and never allocates: every
// function appends to a caller-supplied slice and draws randomness from the
// caller's source, so the same seed chooses the same recipients.
//
// Four spreads exist:
//
//   - Direct: one named recipient (a reply, a Hello to a seed).
//   - Random: k distinct members chosen uniformly, never an excluded one.
//   - Broadcast: every member that is not excluded.
//   - Rumor: the ring successor plus k-1 Random members (see Rumor for why).
package spread

import "math/rand/v2"

// Kind names a spread, for logs and configuration.
type Kind uint8

const (
	// KindDirect sends to one named recipient.
	KindDirect Kind = iota + 1
	// KindRandom sends to RumorFactor distinct members chosen uniformly.
	KindRandom
	// KindBroadcast sends to every known member.
	KindBroadcast
	// KindRumor sends to the ring successor and RumorFactor-1 random members.
	KindRumor
)

// String returns the spread's name as the design documents write it.
func (k Kind) String() string {
	switch k {
	case KindDirect:
		return "DIRECT"
	case KindRandom:
		return "RANDOM"
	case KindBroadcast:
		return "BROADCAST"
	case KindRumor:
		return "RUMOR"
	}
	return "Kind(?)"
}

// excluded reports whether i is in ex. Exclusion lists hold a handful of
// indices (sender, origin), so a linear scan beats any set.
func excluded(i int, ex []int) bool {
	for _, e := range ex {
		if e == i {
			return true
		}
	}
	return false
}

// eligible counts the indices in [0, n) that are not excluded; duplicate and
// out-of-range exclusions are ignored.
func eligible(n int, ex []int) int {
	m := n
	for j, e := range ex {
		if e < 0 || e >= n || excluded(e, ex[:j]) {
			continue
		}
		m--
	}
	return m
}

// Broadcast appends every index in [0, n) not in exclude, in order.
func Broadcast(dst []int, n int, exclude []int) []int {
	for i := 0; i < n; i++ {
		if !excluded(i, exclude) {
			dst = append(dst, i)
		}
	}
	return dst
}

// Random appends min(k, eligible) distinct indices from [0, n) minus
// exclude, each eligible subset of that size equally likely.
//
// It uses Floyd's sampling over the eligible indices, so it costs O(k²)
// comparisons whatever n is, and draws exactly as many random numbers as it
// appends (fewer when every eligible index is taken without drawing).
func Random(dst []int, r *rand.Rand, n, k int, exclude []int) []int {
	m := eligible(n, exclude)
	if k <= 0 || m <= 0 {
		return dst
	}
	if k >= m {
		return Broadcast(dst, n, exclude)
	}
	sk := newSkipper(n, exclude)
	start := len(dst)
	for j := m - k; j < m; j++ {
		t := sk.nth(r.IntN(j + 1))
		if contains(dst[start:], t) {
			t = sk.nth(j)
		}
		dst = append(dst, t)
	}
	return dst
}

// Rumor appends the ring successor and then Random's choice of the
// remaining k-1 among the others. Indices are taken to be in ring order:
// succ is this node's successor and, when it is excluded (it sent the
// message, or is what the message is about), the next index that is not
// takes its place, so the chain is not broken by an exclusion.
//
// Why the successor: forwarding each new message once to k uniformly random
// members leaves about e^-k of the cluster uninformed (5% at k = 3). If every
// informed member also forwards to the member that follows it on the ring of
// ids, a member can be missed only if its predecessor was missed too, and so
// on around the ring back to the origin, which is informed: with consistent
// member tables and no loss, every member is reached, in about as many hops
// as random forwarding alone needs. Loss and inconsistent tables are left to
// retries and anti-entropy, as before.
func Rumor(dst []int, r *rand.Rand, n, k, succ int, exclude []int) []int {
	if k <= 0 {
		return dst
	}
	if succ < 0 || succ >= n {
		return Random(dst, r, n, k, exclude)
	}
	for range n {
		if !excluded(succ, exclude) {
			break
		}
		succ = (succ + 1) % n
	}
	if excluded(succ, exclude) {
		return dst
	}
	dst = append(dst, succ)
	var ex [maxExclude]int
	all := append(append(ex[:0], exclude...), succ)
	return Random(dst, r, n, k-1, all)
}

// skipper maps the v-th eligible index to its index in [0, n) in
// O(len(exclude)): it keeps the valid exclusions sorted and steps over each
// one at or below the candidate.
type skipper struct {
	ex [maxExclude]int
	k  int
}

// maxExclude bounds the exclusions a spread accepts; callers exclude the
// sender, the origin and the successor at most.
const maxExclude = 8

func newSkipper(n int, exclude []int) skipper {
	var s skipper
	for _, e := range exclude {
		if e < 0 || e >= n || excluded(e, s.ex[:s.k]) || s.k == maxExclude {
			continue
		}
		i := s.k
		for i > 0 && s.ex[i-1] > e {
			s.ex[i] = s.ex[i-1]
			i--
		}
		s.ex[i] = e
		s.k++
	}
	return s
}

func (s *skipper) nth(v int) int {
	for _, e := range s.ex[:s.k] {
		if e <= v {
			v++
		}
	}
	return v
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
