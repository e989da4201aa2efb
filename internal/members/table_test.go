package members

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func addr(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}

func TestAddKeepsIDOrderAndBound(t *testing.T) {
	tb := New(50, addr(50), 3)
	for _, c := range []struct {
		m    Member
		want Result
	}{
		{Member{30, addr(30)}, Added},
		{Member{10, addr(10)}, Added},
		{Member{30, addr(30)}, Known},
		{Member{50, addr(51)}, Rejected}, // self
		{Member{0, addr(1)}, Rejected},
		{Member{60, addr(50)}, Rejected}, // self's address
		{Member{70, addr(70)}, Added},
		{Member{80, addr(80)}, Full},
		{Member{90, addr(10)}, Replaced}, // a restart at 10's address
		{Member{30, addr(31)}, Moved},
	} {
		if got, _ := tb.Add(c.m); got != c.want {
			t.Fatalf("Add(%v) = %v, want %v", c.m, got, c.want)
		}
	}
	var ids []uint64
	for i := range tb.Len() {
		ids = append(ids, tb.At(i).ID)
	}
	if len(ids) != 3 || ids[0] != 30 || ids[1] != 70 || ids[2] != 90 {
		t.Fatalf("ids = %v, want [30 70 90]", ids)
	}
	if m, ok := tb.ByAddr(addr(31)); !ok || m.ID != 30 {
		t.Fatalf("ByAddr(31) = %v %v", m, ok)
	}
	if _, ok := tb.ByAddr(addr(30)); ok {
		t.Fatal("old address of a moved member still indexed")
	}
}

func TestSuccessorWrapsAroundTheRing(t *testing.T) {
	tb := New(50, addr(50), 10)
	if tb.Successor() != -1 {
		t.Fatal("empty table has a successor")
	}
	tb.Add(Member{10, addr(10)})
	tb.Add(Member{70, addr(70)})
	if got := tb.At(tb.Successor()).ID; got != 70 {
		t.Fatalf("successor of 50 = %d, want 70", got)
	}
	tb.Remove(70)
	if got := tb.At(tb.Successor()).ID; got != 10 {
		t.Fatalf("successor of 50 = %d, want 10 (wrap)", got)
	}
}

func TestNextProbeVisitsEveryMemberOncePerCycle(t *testing.T) {
	tb := New(1, addr(1), 100)
	for id := uint64(2); id <= 11; id++ {
		tb.Add(Member{id, addr(uint16(id))})
	}
	r := rand.New(rand.NewPCG(1, 2))
	// New members are probed early, every other round: 10 of the first 20.
	early := map[uint64]int{}
	for range 20 {
		early[tb.At(tb.NextProbe(r)).ID]++
	}
	if len(early) != 10 {
		t.Fatalf("the first 20 probes reached %d members, want all 10", len(early))
	}
	var order []uint64
	for cycle := 0; cycle < 3; cycle++ {
		seen := map[uint64]int{}
		for k := range 10 {
			id := tb.At(tb.NextProbe(r)).ID
			seen[id]++
			if cycle == 0 {
				order = append(order, id)
			} else if order[k] != id {
				t.Fatalf("cycle %d probe %d = %d, want the same order as cycle 0 (%d)", cycle, k, id, order[k])
			}
		}
		if len(seen) != 10 {
			t.Fatalf("cycle %d probed %d distinct members, want 10: %v", cycle, len(seen), seen)
		}
	}
	tb.Remove(5)
	for range 20 {
		if tb.At(tb.NextProbe(r)).ID == 5 {
			t.Fatal("probed a removed member")
		}
	}
}
