package version

import (
	"testing"
	"time"
)

var t0 = time.Unix(1000, 0)

func TestObserveDeliversReorderedOnceEach(t *testing.T) {
	v := New(1, 10)
	order := []uint32{1, 3, 2, 2, 5, 4, 1, 6}
	want := []bool{true, true, true, false, true, true, false, true}
	for i, s := range order {
		if got := v.Observe(9, s, t0); got != want[i] {
			t.Fatalf("Observe(%d) = %v, want %v", s, got, want[i])
		}
	}
	if c := v.Contiguous(9); c != 6 {
		t.Fatalf("contiguous = %d, want 6", c)
	}
	if v.Skipped != 0 {
		t.Fatalf("skipped = %d", v.Skipped)
	}
}

func TestFarAheadSlidesWindowAndCountsSkipped(t *testing.T) {
	v := New(1, 10)
	v.Observe(9, 1, t0)
	if !v.Observe(9, 100, t0) {
		t.Fatal("seq 100 not new")
	}
	// 100 is the window's last bit: contiguous = 100-64 = 36, skipping 2..36.
	if c := v.Contiguous(9); c != 36 {
		t.Fatalf("contiguous = %d, want 36", c)
	}
	if v.Skipped != 35 {
		t.Fatalf("skipped = %d, want 35", v.Skipped)
	}
	if !v.Observe(9, 37, t0) || v.Observe(9, 37, t0) {
		t.Fatal("37 must be new exactly once")
	}
	if !v.Seen(9, 100) || v.Seen(9, 99) {
		t.Fatal("Seen disagrees with the window")
	}
}

func TestGiveUpSkipsAStaleGapOnly(t *testing.T) {
	v := New(1, 10)
	v.Observe(9, 1, t0)
	v.Observe(9, 3, t0) // gap at 2
	if n := v.GiveUp(t0.Add(time.Second), 2*time.Second); n != 0 {
		t.Fatal("gave up a fresh gap")
	}
	if n := v.GiveUp(t0.Add(3*time.Second), 2*time.Second); n != 1 {
		t.Fatal("did not give up a stale gap")
	}
	if c := v.Contiguous(9); c != 3 || v.Skipped != 1 {
		t.Fatalf("contiguous = %d skipped = %d, want 3 and 1", c, v.Skipped)
	}
	if v.Observe(9, 2, t0) {
		t.Fatal("a given-up seq was delivered late")
	}
}

func TestBoundEvictsLeastRecentButNeverSelf(t *testing.T) {
	v := New(1, 2)
	v.Observe(1, 1, t0)
	v.Observe(5, 1, t0)
	v.Observe(7, 1, t0) // evicts 5
	if v.Len() != 2 || v.Contiguous(1) != 1 || v.Contiguous(7) != 1 || v.Contiguous(5) != 0 {
		t.Fatalf("unexpected vector after eviction")
	}
	if v.Evicted != 1 {
		t.Fatalf("evicted = %d", v.Evicted)
	}
	if v.Observe(0, 1, t0) || v.Observe(3, 0, t0) {
		t.Fatal("id 0 or seq 0 accepted")
	}
}

func TestHighest(t *testing.T) {
	v := New(1, 4)
	v.Observe(9, 1, t0)
	v.Observe(9, 4, t0)
	if h := v.At(0).Highest(); h != 4 {
		t.Fatalf("highest = %d, want 4", h)
	}
}

func TestHugeJumpIsConstantTime(t *testing.T) {
	v := New(1, 4)
	v.Observe(9, 1, t0)
	// The farthest seq that is still after 1: half the cycle less one.
	far := advanceBy(1, half-1)
	if !v.Observe(9, far, t0) {
		t.Fatal("the farthest seq ahead not new")
	}
	if c := v.Contiguous(9); c != far-64 {
		t.Fatalf("contiguous = %d", c)
	}
	// Half the cycle ahead or more is behind: 2^32-1 after 1 is older.
	v2 := New(1, 4)
	v2.Observe(9, 1, t0)
	if v2.Observe(9, 0xffffffff, t0) || v2.Contiguous(9) != 1 {
		t.Fatal("2^32-1 after 1 taken as news")
	}
}
