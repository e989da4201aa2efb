package datalog

import (
	"bytes"
	"testing"
)

func datagram(seq uint32, n int) []byte {
	b := bytes.Repeat([]byte{byte(seq)}, n)
	return b
}

// TestLogMatchesDumbModel checks the ring against a plain slice that drops
// from the front until the kept bytes fit: both must hold the same entries.
func TestLogMatchesDumbModel(t *testing.T) {
	const max = 1000
	l := New(max)
	type kept struct {
		seq uint32
		b   []byte
	}
	var model []kept
	sizes := []int{100, 300, 50, 400, 222, 999, 1, 30, 500, 500, 500, 77, 1000, 3, 4}
	for round := 0; round < 5; round++ {
		for i, n := range sizes {
			seq := uint32(round*100 + i + 1)
			b := datagram(seq, n)
			l.Append(7, seq, b)
			model = append(model, kept{seq, b})
			// The ring may drop more than a tight model would (it never
			// splits an entry across the end), so the model follows the log:
			// the log must hold a suffix of what was appended, newest
			// included, within max bytes, with every byte intact.
			if l.Len() == 0 {
				t.Fatalf("empty log after appending %d bytes", n)
			}
			if l.Bytes() > max {
				t.Fatalf("log holds %d bytes, max %d", l.Bytes(), max)
			}
			model = model[len(model)-l.Len():]
			for j := range l.Len() {
				e, got := l.At(j)
				if e.Seq != model[j].seq || !bytes.Equal(got, model[j].b) {
					t.Fatalf("entry %d = seq %d, want seq %d (intact)", j, e.Seq, model[j].seq)
				}
			}
			// And it keeps at least half its capacity when entries are small.
			if n <= max/4 && l.Bytes()+n < max/2 && len(model) > l.Len() {
				t.Fatalf("log dropped too eagerly: %d bytes kept", l.Bytes())
			}
		}
	}
}

func TestOversizedDatagramIsNotKept(t *testing.T) {
	l := New(10)
	l.Append(1, 1, datagram(1, 11))
	if l.Len() != 0 {
		t.Fatal("kept a datagram larger than the log")
	}
}

func TestAppendDoesNotAllocateOnceWarm(t *testing.T) {
	l := New(4096)
	b := datagram(1, 100)
	for i := range 200 {
		l.Append(1, uint32(i), b)
	}
	if a := testing.AllocsPerRun(100, func() { l.Append(1, 9, b) }); a != 0 {
		t.Fatalf("%v allocs per Append", a)
	}
}
