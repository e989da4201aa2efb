package version

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

func TestNextSkipsZero(t *testing.T) {
	for _, c := range []struct{ in, want uint32 }{{0, 1}, {1, 2}, {0xfffffffe, 0xffffffff}, {0xffffffff, 1}} {
		if got := Next(c.in); got != c.want {
			t.Errorf("Next(%#x) = %#x, want %#x", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ c, k, want uint32 }{{5, 3, 8}, {0xfffffffe, 1, 0xffffffff}, {0xfffffffe, 2, 1}, {0xffffffff, 5, 5}, {0, 7, 7}} {
		if got := advanceBy(c.c, c.k); got != c.want {
			t.Errorf("advanceBy(%#x, %d) = %#x, want %#x", c.c, c.k, got, c.want)
		}
		if got := steps(c.c, c.want); got != c.k {
			t.Errorf("steps(%#x, %#x) = %d, want %d", c.c, c.want, got, c.k)
		}
	}
}

// TestAfterIsSerialOrder checks After against a reference: seqs as
// positions on the cycle 1..2^32-1, a after b when 1..2^31-1 steps ahead.
func TestAfterIsSerialOrder(t *testing.T) {
	const cycle = 1<<32 - 1
	ref := func(a, b uint32) bool {
		switch {
		case a == 0:
			return false
		case b == 0:
			return true
		}
		d := (int64(a) - int64(b) + cycle) % cycle
		return d > 0 && d < half
	}
	edges := []uint32{0, 1, 2, 63, 64, 65, half - 2, half - 1, half, half + 1, 0xfffffffe, 0xffffffff}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		edges = append(edges[:12], rng.Uint32(), rng.Uint32())
		for _, a := range edges {
			for _, b := range edges {
				if got, want := After(a, b), ref(a, b); got != want {
					t.Fatalf("After(%#x, %#x) = %v, want %v", a, b, got, want)
				}
			}
		}
	}
	if !After(1, 0xffffffff) || After(0xffffffff, 1) || !After(0xffffffff, 0xfffffff0) {
		t.Fatal("the wrap is not in order")
	}
}

// TestAWrappingOriginIsStillHeard: an origin whose counter passes 2^32-1
// and starts again at 1, with its datagrams reordered inside the window on
// the way, has every seq delivered once, and its contiguous point follows
// it past the wrap; a gap across the wrap is given up like any other.
func TestAWrappingOriginIsStillHeard(t *testing.T) {
	v := New(1, 4)
	start := uint32(0xffffffff - 300)
	var seqs []uint32
	for s, k := start, 0; k < 700; s, k = Next(s), k+1 {
		seqs = append(seqs, s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(seqs); i += 8 { // shuffle within runs of 8
		rng.Shuffle(8, func(a, b int) { seqs[i+a], seqs[i+b] = seqs[i+b], seqs[i+a] })
	}
	if !v.Observe(9, start, t0) {
		t.Fatal("first seq not new")
	}
	seen := map[uint32]bool{start: true}
	for _, s := range seqs {
		if got := v.Observe(9, s, t0); got == seen[s] {
			t.Fatalf("Observe(%#x) = %v after %d seqs", s, got, len(seen))
		}
		seen[s] = true
	}
	last := seqs[0]
	for _, s := range seqs {
		if After(s, last) {
			last = s
		}
	}
	// The 63 seqs before the first one heard are given up as the window
	// leaves them behind (first contact leaves room to repair them).
	if c := v.Contiguous(9); c != last || v.Skipped != Window-1 {
		t.Fatalf("contiguous %#x skipped %d, want %#x and %d", c, v.Skipped, last, Window-1)
	}
	// A gap across the wrap: 2^32-2 seen, 2^32-1 lost, 1 seen.
	w := New(1, 4)
	w.Observe(9, 0xfffffffe, t0)
	w.GiveUp(t0.Add(time.Minute), time.Second) // the room left below the first seq
	w.Observe(9, 1, t0.Add(time.Minute))
	if c := w.Contiguous(9); c != 0xfffffffe || w.Skipped != Window-1 {
		t.Fatalf("contiguous %#x skipped %d before the gap is given up", c, w.Skipped)
	}
	w.GiveUp(t0.Add(2*time.Minute), time.Second)
	if c := w.Contiguous(9); c != 1 || w.Skipped != Window || !w.Seen(9, 0xffffffff) || !w.Observe(9, 2, t0) {
		t.Fatalf("after giving up: contiguous %#x skipped %d", c, w.Skipped)
	}
}

var (
	srcA = Source{From: netip.MustParseAddrPort("10.0.0.1:7000")}
	srcB = Source{From: netip.MustParseAddrPort("10.0.0.2:7000")}
)

// TestFarSeqIsHeldBack: one datagram naming a seq far ahead of an origin's
// window (2^32-1, or the farthest seq still ahead) is not news and does
// not move the window, so the origin's genuine next seq is still
// delivered, and so is the one after.
func TestFarSeqIsHeldBack(t *testing.T) {
	for _, far := range []uint32{0xffffffff, 1000, advanceBy(10, half-1)} {
		v := New(1, 4)
		for s := uint32(1); s <= 10; s++ {
			v.Observe(9, s, t0)
		}
		if r := v.ObserveFrom(9, far, t0, srcA); r != TooFar && !(far == 0xffffffff && r == Duplicate) {
			t.Fatalf("far seq %#x: %v", far, r)
		}
		if v.Contiguous(9) != 10 || v.At(0).Beyond != 0 {
			t.Fatalf("far seq %#x moved the window to %d", far, v.Contiguous(9))
		}
		for s := uint32(11); s <= 12; s++ {
			if r := v.ObserveFrom(9, s, t0, srcA); r != Accepted {
				t.Fatalf("after far seq %#x, genuine seq %d: %v", far, s, r)
			}
		}
		// Nor does GapTimeout give the far seq a way in: it is not in the
		// window, so there is no gap to give up.
		v.GiveUp(t0.Add(time.Hour), time.Second)
		if v.Contiguous(9) != 12 || v.Skipped != 0 {
			t.Fatalf("far seq %#x: contiguous %d skipped %d after GiveUp", far, v.Contiguous(9), v.Skipped)
		}
	}
}

// TestFarSeqIsBelievedWhenConfirmed: a node that really is far behind (a
// partition, a full log) catches up when the origin itself sends the far
// seq, or when a second source confirms one held back within ClaimFor;
// the same source, a late confirmation or one far from the first do not.
func TestFarSeqIsBelievedWhenConfirmed(t *testing.T) {
	fresh := func() *Vector {
		v := New(1, 4)
		v.Observe(9, 1, t0)
		return v
	}
	v := fresh()
	if r := v.ObserveFrom(9, 500, t0, Source{From: srcA.From, Direct: true}); r != Accepted || v.Contiguous(9) != 436 {
		t.Fatalf("direct: %v, contiguous %d", r, v.Contiguous(9))
	}

	v = fresh()
	v.ObserveFrom(9, 500, t0, srcA)
	if r := v.ObserveFrom(9, 501, t0, srcA); r != TooFar {
		t.Fatalf("same source confirmed: %v", r)
	}
	if r := v.ObserveFrom(9, 502, t0.Add(time.Second), srcB); r != Accepted || v.Contiguous(9) != 438 {
		t.Fatalf("second source: %v, contiguous %d", r, v.Contiguous(9))
	}
	if !v.ObserveFrom(9, 500, t0, srcA).accepted() || !v.ObserveFrom(9, 501, t0, srcA).accepted() {
		t.Fatal("the held-back seqs are not taken once the window is there")
	}
	if v.Far != 2 {
		t.Fatalf("Far = %d, want 2", v.Far)
	}

	v = fresh()
	v.ObserveFrom(9, 500, t0, srcA)
	if r := v.ObserveFrom(9, 500, t0.Add(DefaultClaimFor+time.Second), srcB); r != TooFar {
		t.Fatalf("late confirmation: %v", r)
	}
	v = fresh()
	v.ObserveFrom(9, 500, t0, srcA)
	if r := v.ObserveFrom(9, 500+Window+1, t0, srcB); r != TooFar {
		t.Fatalf("confirmation far from the claim: %v", r)
	}
}

func (r Result) accepted() bool { return r == Accepted }

// TestSlideMarksTheSeqItSlidTo: a slide that lands next to seqs already
// seen records the seq that arrived, not the one after it (the run the
// slide uncovers is absorbed only afterwards).
func TestSlideMarksTheSeqItSlidTo(t *testing.T) {
	v := New(1, 4)
	v.Observe(9, 2, t0)
	v.Observe(9, 3, t0)
	if !v.Observe(9, 66, t0) {
		t.Fatal("66 not new")
	}
	if !v.Seen(9, 66) || v.Seen(9, 67) || !v.Observe(9, 67, t0) || v.Observe(9, 66, t0) {
		t.Fatalf("after sliding to 66: contiguous %d, beyond %x", v.Contiguous(9), v.At(0).Beyond)
	}
}
