package members

import (
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
		{Member{ID: 30, Addr: addr(30)}, Added},
		{Member{ID: 10, Addr: addr(10)}, Added},
		{Member{ID: 30, Addr: addr(30)}, Known},
		{Member{ID: 50, Addr: addr(51)}, Rejected}, // self
		{Member{ID: 0, Addr: addr(1)}, Rejected},
		{Member{ID: 60, Addr: addr(50)}, Rejected}, // self's address
		{Member{ID: 70, Addr: addr(70)}, Added},
		{Member{ID: 80, Addr: addr(80)}, Full},
		{Member{ID: 90, Addr: addr(10)}, Replaced}, // a restart at 10's address
		{Member{ID: 30, Addr: addr(31)}, Moved},
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
	tb.Add(Member{ID: 10, Addr: addr(10)})
	tb.Add(Member{ID: 70, Addr: addr(70)})
	if got := tb.At(tb.Successor()).ID; got != 70 {
		t.Fatalf("successor of 50 = %d, want 70", got)
	}
	tb.Remove(70)
	if got := tb.At(tb.Successor()).ID; got != 10 {
		t.Fatalf("successor of 50 = %d, want 10 (wrap)", got)
	}
}
