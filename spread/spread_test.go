package spread

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBroadcastSkipsExcluded(t *testing.T) {
	got := Broadcast(nil, 5, []int{1, 3, 9, -1})
	if want := []int{0, 2, 4}; !slices.Equal(got, want) {
		t.Fatalf("Broadcast = %v, want %v", got, want)
	}
}

func TestRandomReturnsDistinctEligible(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		n, k    int
		exclude []int
		want    int
	}{
		{n: 0, k: 3, want: 0},
		{n: 1, k: 3, exclude: []int{0}, want: 0},
		{n: 2, k: 3, want: 2},
		{n: 5, k: 3, exclude: []int{0, 4}, want: 3},
		{n: 10, k: 3, exclude: []int{2, 2, 7}, want: 3},
		{n: 10, k: 0, want: 0},
		{n: 1000, k: 3, exclude: []int{999, 0}, want: 3},
	}
	for _, c := range cases {
		for trial := 0; trial < 200; trial++ {
			got := Random(nil, r, c.n, c.k, c.exclude)
			if len(got) != c.want {
				t.Fatalf("n=%d k=%d ex=%v: got %v, want %d indices", c.n, c.k, c.exclude, got, c.want)
			}
			seen := map[int]bool{}
			for _, i := range got {
				if i < 0 || i >= c.n || slices.Contains(c.exclude, i) || seen[i] {
					t.Fatalf("n=%d k=%d ex=%v: bad choice %v", c.n, c.k, c.exclude, got)
				}
				seen[i] = true
			}
		}
	}
}

// TestRandomIsUniform compares Random with a dumb reference: shuffle the
// eligible indices and take k. Both must give every index the same chance.
func TestRandomIsUniform(t *testing.T) {
	const n, k, trials = 12, 3, 120000
	exclude := []int{3, 8}
	r := rand.New(rand.NewPCG(7, 7))
	var fast, dumb [n]int
	for range trials {
		for _, i := range Random(nil, r, n, k, exclude) {
			fast[i]++
		}
		var pool []int
		for i := range n {
			if !slices.Contains(exclude, i) {
				pool = append(pool, i)
			}
		}
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		for _, i := range pool[:k] {
			dumb[i]++
		}
	}
	want := float64(trials*k) / float64(n-len(exclude))
	for i := range n {
		if slices.Contains(exclude, i) {
			if fast[i] != 0 {
				t.Fatalf("excluded index %d chosen %d times", i, fast[i])
			}
			continue
		}
		for name, got := range map[string]int{"fast": fast[i], "dumb": dumb[i]} {
			if dev := (float64(got) - want) / want; dev > 0.03 || dev < -0.03 {
				t.Errorf("%s: index %d chosen %d times, want about %.0f", name, i, got, want)
			}
		}
	}
}

func TestRumorIncludesSuccessorFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		got := Rumor(nil, r, 10, 3, 6, []int{0})
		if len(got) != 3 || got[0] != 6 || slices.Contains(got[1:], 6) || slices.Contains(got, 0) {
			t.Fatalf("Rumor = %v", got)
		}
	}
	// An excluded successor hands its place to the next index on the ring.
	if got := Rumor(nil, r, 10, 3, 9, []int{9, 0}); len(got) != 3 || got[0] != 1 || slices.Contains(got, 0) || slices.Contains(got, 9) {
		t.Fatalf("Rumor with excluded successor = %v", got)
	}
	if got := Rumor(nil, r, 2, 3, 0, []int{0, 1}); len(got) != 0 {
		t.Fatalf("Rumor with everyone excluded = %v", got)
	}
	if got := Rumor(nil, r, 10, 3, -1, nil); len(got) != 3 {
		t.Fatalf("Rumor without successor = %v", got)
	}
}

func TestSpreadDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	dst := make([]int, 0, 64)
	ex := []int{4, 9}
	if a := testing.AllocsPerRun(100, func() {
		dst = Rumor(dst[:0], r, 50, 3, 7, ex)
		dst = Random(dst[:0], r, 50, 3, ex)
		dst = Broadcast(dst[:0], 50, ex)
	}); a != 0 {
		t.Fatalf("%v allocs per run, want 0", a)
	}
}

func BenchmarkRumor(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	dst := make([]int, 0, 8)
	ex := []int{4, 9}
	b.ReportAllocs()
	for b.Loop() {
		dst = Rumor(dst[:0], r, 10000, 3, 7, ex)
	}
}
