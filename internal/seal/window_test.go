package seal

import (
	"math/rand/v2"
	"testing"
)

// TestWindowModel checks the bitmap window against a plain set of
// accepted counters, over random walks with steps of every size that
// matters (word boundaries, the window's edge, far jumps).
func TestWindowModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	steps := []int64{-1025, -1024, -1023, -700, -129, -128, -65, -64, -63, -1, 0, 1, 2, 63, 64, 65, 127, 128, 500, 1023, 1024, 1025, 5000}
	for run := range 200 {
		var w window
		accepted := map[uint64]bool{}
		var maxC uint64
		c := uint64(1 << 40)
		for range 2000 {
			var d int64
			if rng.IntN(3) == 0 {
				d = steps[rng.IntN(len(steps))]
			} else {
				d = int64(rng.IntN(200)) - 150
			}
			c = uint64(int64(c) + d)
			want := !accepted[c] && (len(accepted) == 0 || c > maxC || maxC-c <= WindowSize)
			if got := w.fresh(c); got != want {
				t.Fatalf("run %d: fresh(%d) = %v, want %v (max %d)", run, c, got, want, maxC)
			}
			if want {
				w.accept(c)
				accepted[c] = true
				maxC = max(maxC, c)
			}
		}
	}
}
