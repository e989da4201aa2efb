package addrhash

import (
	"net/netip"
	"testing"
)

// TestOfTellsAddressesAndPortsApart: neighbouring addresses and ports,
// hash differently; an IPv4 address and its IPv6-mapped form alike.
func TestOfTellsAddressesAndPortsApart(t *testing.T) {
	seen := map[uint64]netip.AddrPort{}
	for _, s := range []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.2:7000", "[::1]:7000", "[fe80::1]:7000"} {
		a := netip.MustParseAddrPort(s)
		h := Of(a)
		if o, dup := seen[h]; dup {
			t.Fatalf("%v and %v hash alike: %#x", a, o, h)
		}
		seen[h] = a
		if m := netip.AddrPortFrom(netip.AddrFrom16(a.Addr().As16()), a.Port()); Of(m) != h {
			t.Fatalf("%v and %v hash differently", a, m)
		}
		if Of(a) != h {
			t.Fatalf("%v: not deterministic", a)
		}
	}
}
