package backlog

import "testing"

func TestSinceRecordsTheFirstPositionAndStaysBounded(t *testing.T) {
	h := New(3)
	if got := h.Since(7, 10); got != 10 {
		t.Fatalf("first Since = %d, want 10", got)
	}
	if got := h.Since(7, 99); got != 10 {
		t.Fatalf("second Since = %d, want the first position, 10", got)
	}
	for id := uint64(1); id <= 1000; id++ {
		h.Since(100+id, id)
		if h.Len() > 3 {
			t.Fatalf("%d horizons, want at most 3", h.Len())
		}
	}
	if got := h.Since(7, 5000); got != 5000 {
		t.Errorf("a forgotten member's horizon = %d, want a new one, 5000", got)
	}
}
