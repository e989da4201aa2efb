package version

// Sequence numbers (a Data's originSeq, a Status record's seq) are serial
// numbers in the sense of RFC 1982, over the values 1..2^32-1: the
// originator counts 1, 2, ..., 2^32-1 and then 1 again, skipping 0, which
// the wire format forbids as an originSeq and which a Status record uses
// for "nothing seen yet". A seq is after another if it lies less than
// half the cycle ahead of it, so a node whose counter wraps keeps being
// heard instead of every new seq looking older than the last.

// half is half the cycle of 2^32-1 seqs: a seq up to half-1 steps ahead of
// another is after it, one further ahead is before it.
const half = 1 << 31

// Next returns the seq after s: s+1, or 1 after 2^32-1 (0 is never a seq).
// Next(0), the first seq, is 1.
func Next(s uint32) uint32 {
	if s == ^uint32(0) {
		return 1
	}
	return s + 1
}

// steps returns how many Next steps lead from c to s (c == 0: from
// nothing, so s steps). It is 0 only for s == c.
func steps(c, s uint32) uint32 {
	d := s - c
	if c != 0 && s < c {
		d-- // the interval wraps past 0, which is not a seq
	}
	return d
}

// advanceBy returns the seq k Next steps after c.
func advanceBy(c, k uint32) uint32 {
	r := c + k
	if r < c || (r == 0 && k != 0) {
		r++ // passed or landed on 0, which is not a seq
	}
	return r
}

// After reports whether seq a is after seq b in serial order: a seq is
// after 0 (nothing seen) unless it is 0, and otherwise after b if it lies
// 1 to half-1 steps ahead of it.
func After(a, b uint32) bool {
	switch {
	case a == 0:
		return false
	case b == 0:
		return true
	}
	d := steps(b, a)
	return d != 0 && d < half
}
