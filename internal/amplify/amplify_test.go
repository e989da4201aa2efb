package amplify

import (
	"net/netip"
	"testing"
)

func addr(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 7000)
}

// TestCreditIsWhatCameInPlusSlack: to an unproven address, what Allow lets
// out totals at most what Received counted, plus Slack; once proven,
// anything goes.
func TestCreditIsWhatCameInPlusSlack(t *testing.T) {
	tb := New(64, 1)
	a := addr(1)
	if tb.Lookup(a).Known {
		t.Fatal("an address never heard of is known")
	}
	if !tb.Received(a, 22, false) {
		t.Fatal("not limited on arrival")
	}
	sent := 0
	for range 10 {
		if tb.Allow(a, 10) {
			sent += 10
		}
	}
	if sent != 20 || tb.Withheld != 8 || tb.WithheldBytes != 80 {
		t.Fatalf("sent %d of 22+%d, withheld %d (%d bytes)", sent, Slack, tb.Withheld, tb.WithheldBytes)
	}
	if !tb.Allow(a, 6) { // 26 = 22 + Slack
		t.Fatal("the slack is not there")
	}
	tb.Received(a, 10, false)
	if !tb.Allow(a, 10) || tb.Allow(a, 1) {
		t.Fatal("credit does not follow what came in")
	}
	tb.Prove(a, false)
	if st := tb.Lookup(a); !st.Proven || st.Suspect || !tb.Allow(a, 1<<20) || tb.Received(a, 1, false) {
		t.Fatalf("proven: %+v", st)
	}
}

// TestJoinedChallengeAndProof: a Hello makes an unproven address a
// suspect until it proves itself; the challenge seq is remembered until
// then; an address the table never held has no credit.
func TestJoinedChallengeAndProof(t *testing.T) {
	tb := New(64, 1)
	a := addr(2)
	tb.Received(a, 26, false)
	tb.Joined(a, 26)
	tb.SetChallenge(a, 77)
	if st := tb.Lookup(a); !st.Suspect || st.Proven || st.Challenge != 77 {
		t.Fatalf("after a Hello: %+v", st)
	}
	tb.Prove(a, false)
	if st := tb.Lookup(a); st.Suspect || !st.Proven || st.Challenge != 0 {
		t.Fatalf("after the proof: %+v", st)
	}
	tb.Joined(a, 26) // a proven address does not become a suspect again
	if tb.Lookup(a).Suspect {
		t.Fatal("a proven address is a suspect")
	}
	if tb.Allow(addr(3), 1) {
		t.Fatal("credit for an address never heard from")
	}
	// A member needs no entry: crediting one that has none does nothing.
	if tb.Received(addr(4), 100, true) || tb.Lookup(addr(4)).Known {
		t.Fatal("a member got an entry")
	}
	// Suspects are counted, and a suspect is not pushed out by strangers.
	tb.Received(addr(5), 26, false)
	tb.Joined(addr(5), 26)
	if tb.Suspects() != 1 {
		t.Fatalf("%d suspects", tb.Suspects())
	}
	for i := 100; i < 5000; i++ {
		tb.Received(addr(i), 1, false)
	}
	if !tb.Lookup(addr(5)).Suspect || tb.Suspects() != 1 {
		t.Fatal("a flood of strangers pushed the suspect out")
	}
	tb.Prove(addr(5), true) // a member now: no entry needed
	if tb.Suspects() != 0 || tb.Lookup(addr(5)).Known {
		t.Fatalf("%d suspects after the proof, entry kept: %v", tb.Suspects(), tb.Lookup(addr(5)).Known)
	}
}

// TestEvictionForgetsStrangersFirst: a flood of addresses evicts unproven
// entries before proven ones, and the table never holds more than it was
// sized for.
func TestEvictionForgetsStrangersFirst(t *testing.T) {
	tb := New(64, 1)
	for i := range 32 {
		tb.Received(addr(i), 1, false)
		tb.Prove(addr(i), false)
	}
	var held []netip.AddrPort // a set holds four: not all 32 fit their sets
	for i := range 32 {
		if tb.Lookup(addr(i)).Proven {
			held = append(held, addr(i))
		}
	}
	for i := 1000; i < 11000; i++ {
		tb.Received(addr(i), 20, false)
	}
	for _, a := range held {
		if !tb.Lookup(a).Proven {
			t.Fatalf("proven %v evicted by a flood of strangers (%d held)", a, len(held))
		}
	}
	if len(held) < 24 {
		t.Fatalf("only %d of 32 proven addresses fit 64 entries", len(held))
	}
	if got := tb.Footprint(); got == 0 || got > 64*64 {
		t.Fatalf("footprint %d", got)
	}
}

func TestTableDoesNotAllocate(t *testing.T) {
	tb := New(256, 1)
	if n := testing.AllocsPerRun(1000, func() {
		for i := range 8 {
			a := addr(i)
			tb.Received(a, 30, false)
			tb.Allow(a, 12)
			_ = tb.Lookup(a)
		}
		tb.Prove(addr(3), false)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestAddressesAreHeldExactly: an IPv6 address crafted to fall in a
// victim's set shares nothing else with it; the victim's entry is its
// own.
func TestAddressesAreHeldExactly(t *testing.T) {
	tb := New(64, 1)
	v := netip.MustParseAddrPort("[2001:db8::1]:7000")
	tb.Received(v, 1, false)
	tb.Prove(v, false)
	for i := range 5000 {
		a := netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i), 14: byte(i >> 8), 13: 1}), 7000)
		tb.Received(a, 100, false)
		if tb.Lookup(a).Proven {
			t.Fatalf("%v passes for the proven %v", a, v)
		}
	}
	if !tb.Lookup(v).Proven {
		t.Fatal("the proven address was forgotten")
	}
}
