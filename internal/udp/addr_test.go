package udp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/multiformats/go-multiaddr"
)

func TestAddrPortFromMultiaddr(t *testing.T) {
	tests := []struct {
		in   string
		want netip.AddrPort
		err  error // nil: must succeed
	}{
		{"/ip4/127.0.0.1/udp/7070", netip.MustParseAddrPort("127.0.0.1:7070"), nil},
		{"/ip4/0.0.0.0/udp/0", netip.MustParseAddrPort("0.0.0.0:0"), nil},
		{"/ip4/10.1.2.3/udp/65535", netip.MustParseAddrPort("10.1.2.3:65535"), nil},
		{"/ip6/::1/udp/7070", netip.MustParseAddrPort("[::1]:7070"), nil},
		{"/ip6/2001:db8::42/udp/1", netip.MustParseAddrPort("[2001:db8::42]:1"), nil},
		{"/ip6/::ffff:1.2.3.4/udp/9", netip.MustParseAddrPort("[::ffff:1.2.3.4]:9"), nil},

		{"/ip4/127.0.0.1/tcp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/ip6/::1/tcp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/dns4/localhost/udp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/dns6/localhost/udp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/ip6zone/eth0/ip6/fe80::1/udp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/ip4/127.0.0.1", netip.AddrPort{}, ErrNotUDP},
		{"/ip6/::1", netip.AddrPort{}, ErrNotUDP},
		{"/udp/7070", netip.AddrPort{}, ErrNotUDP},
		{"/ip4/127.0.0.1/udp/7070/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC", netip.AddrPort{}, ErrNotUDP},
		{"/ip4/127.0.0.1/udp/7070/quic-v1", netip.AddrPort{}, ErrNotUDP},
		{"/ip4/127.0.0.1/ip4/127.0.0.1", netip.AddrPort{}, ErrNotUDP},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := multiaddr.NewMultiaddr(tt.in)
			if err != nil {
				t.Fatalf("NewMultiaddr(%q): %v", tt.in, err)
			}
			got, err := AddrPortFromMultiaddr(m)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("AddrPortFromMultiaddr(%s) = %v, %v; want error wrapping %v", m, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("AddrPortFromMultiaddr(%s) = %v, %v; want %v", m, got, err, tt.want)
			}
			back, err := MultiaddrFromAddrPort(got)
			if err != nil {
				t.Fatalf("MultiaddrFromAddrPort(%v): %v", got, err)
			}
			if !back.Equal(m) {
				t.Fatalf("round trip: %s -> %v -> %s", m, got, back)
			}
		})
	}
}

func TestAddrPortFromMultiaddrEmpty(t *testing.T) {
	for _, m := range []multiaddr.Multiaddr{nil, {}} {
		if _, err := AddrPortFromMultiaddr(m); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("AddrPortFromMultiaddr(%#v) error = %v; want ErrInvalidAddress", m, err)
		}
	}
	// A hand-built slice of zero Components is not an IP/UDP address.
	if _, err := AddrPortFromMultiaddr(make(multiaddr.Multiaddr, 2)); !errors.Is(err, ErrNotUDP) {
		t.Errorf("two zero components: error = %v; want ErrNotUDP", err)
	}
}

func TestMultiaddrFromAddrPort(t *testing.T) {
	tests := []struct {
		in   netip.AddrPort
		want string
		err  error
	}{
		{netip.MustParseAddrPort("127.0.0.1:7070"), "/ip4/127.0.0.1/udp/7070", nil},
		{netip.MustParseAddrPort("0.0.0.0:0"), "/ip4/0.0.0.0/udp/0", nil},
		{netip.MustParseAddrPort("[::1]:7070"), "/ip6/::1/udp/7070", nil},
		{netip.MustParseAddrPort("[::ffff:127.0.0.1]:1"), "/ip6/::ffff:127.0.0.1/udp/1", nil},
		{netip.AddrPort{}, "", ErrInvalidAddress},
		{netip.MustParseAddrPort("[fe80::1%eth0]:7070"), "", ErrInvalidAddress},
		{netip.MustParseAddrPort("[fe80::1%2]:7070"), "", ErrInvalidAddress},
	}
	for _, tt := range tests {
		got, err := MultiaddrFromAddrPort(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("MultiaddrFromAddrPort(%v) = %v, %v; want error wrapping %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("MultiaddrFromAddrPort(%v) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}
