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

// TestStrangersNeverPushOutMembers: a burst of entries of origins the node
// does not know (forged, on a plaintext cluster) takes only the room the
// members' entries leave, and no more than a quarter of the bound: every
// member entry survives it, intact.
func TestStrangersNeverPushOutMembers(t *testing.T) {
	const max = 4000
	l := New(max)
	for s := uint32(1); s <= 30; s++ { // 3000 bytes of member entries
		l.Append(7, s, datagram(s, 100))
	}
	for s := uint32(1); s <= 500; s++ {
		l.AppendStranger(uint64(1000+s), 1, datagram(s, 50))
		if l.Bytes() > max || l.strangers.bytes > max/4 {
			t.Fatalf("after %d strangers: %d bytes, %d of strangers", s, l.Bytes(), l.strangers.bytes)
		}
	}
	if l.members.count != 30 {
		t.Fatalf("%d of 30 member entries left", l.members.count)
	}
	for i := range 30 {
		e, b := l.At(i)
		if e.Origin != 7 || e.Seq != uint32(i+1) || !bytes.Equal(b, datagram(uint32(i+1), 100)) {
			t.Fatalf("member entry %d is %+v", i, e)
		}
	}
	if l.strangers.count == 0 || l.Len() != 30+l.strangers.count {
		t.Fatalf("strangers kept: %d", l.strangers.count)
	}
	// A full log of members keeps no stranger at all.
	for s := uint32(31); s <= 40; s++ {
		l.Append(7, s, datagram(s, 100))
	}
	l.AppendStranger(2000, 1, datagram(1, 50))
	if l.strangers.count != 0 || l.members.count != 40 {
		t.Fatalf("full log: %d members, %d strangers", l.members.count, l.strangers.count)
	}
}

// TestMembersPushOutStrangersFirst: room for a member entry is taken from
// the strangers' entries before any member's, oldest first; and At lists
// the members' entries first, then the strangers'.
func TestMembersPushOutStrangersFirst(t *testing.T) {
	const max = 1000
	l := New(max)
	for s := uint32(1); s <= 7; s++ {
		l.Append(7, s, datagram(s, 100))
	}
	for s := uint32(1); s <= 2; s++ {
		l.AppendStranger(9, s, datagram(s, 100))
	}
	if e, _ := l.At(7); e.Origin != 9 || e.Seq != 1 {
		t.Fatalf("entry 7 is %+v, want the first stranger", e)
	}
	dropped := l.Dropped
	l.Append(7, 8, datagram(8, 100)) // fits beside them: 1000 bytes
	l.Append(7, 9, datagram(9, 100)) // the oldest stranger goes
	if l.strangers.count != 1 || l.members.count != 9 || l.Dropped != dropped+1 {
		t.Fatalf("%d members, %d strangers, dropped %d", l.members.count, l.strangers.count, l.Dropped-dropped)
	}
	if e, _ := l.At(9); e.Origin != 9 || e.Seq != 2 {
		t.Fatalf("the stranger left is %+v, want 9:2", e)
	}
	l.Append(7, 10, datagram(10, 100))
	l.Append(7, 11, datagram(11, 100)) // now members drop their oldest
	if l.strangers.count != 0 || l.members.count != 10 || l.Bytes() != max {
		t.Fatalf("%d members, %d strangers, %d bytes", l.members.count, l.strangers.count, l.Bytes())
	}
	if e, _ := l.At(0); e.Seq != 2 {
		t.Fatalf("oldest member entry is %+v", e)
	}
}
