package message_test

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/message"
)

// The address codec is hand-written; these tests hold it to the multiaddr
// reference implementation, bytes and text, in both directions.

func TestAddrMatchesMultiaddrLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	addrs := []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:7070"),
		netip.MustParseAddrPort("[::1]:7071"),
		netip.MustParseAddrPort("0.0.0.0:0"),
		netip.MustParseAddrPort("255.255.255.255:65535"),
		netip.MustParseAddrPort("[2001:db8::1:0:0:1]:9"),
		netip.MustParseAddrPort("[::ffff:10.0.0.1]:7070"),
		netip.MustParseAddrPort("[fe80::1]:7070"),
	}
	for range 200 {
		var a4 [4]byte
		var a16 [16]byte
		for i := range a4 {
			a4[i] = byte(rng.Uint32())
		}
		for i := range a16 {
			a16[i] = byte(rng.Uint32())
		}
		port := uint16(rng.Uint32())
		addrs = append(addrs,
			netip.AddrPortFrom(netip.AddrFrom4(a4), port),
			netip.AddrPortFrom(netip.AddrFrom16(a16), port))
	}
	for _, a := range addrs {
		text := string(message.AppendAddrText(nil, a))
		ma, err := multiaddr.NewMultiaddr(text)
		if err != nil {
			t.Fatalf("multiaddr rejects our text %q: %v", text, err)
		}
		if ma.String() != text {
			t.Errorf("text form: multiaddr %q, ours %q", ma.String(), text)
		}
		ours, err := message.AppendAddr(nil, a)
		if err != nil {
			t.Fatalf("AppendAddr(%v): %v", a, err)
		}
		if !bytes.Equal(ma.Bytes(), ours) {
			t.Errorf("%s: multiaddr bytes %x, ours %x", text, ma.Bytes(), ours)
		}
		back, err := message.ParseAddr(ma.Bytes())
		if err != nil || back != a {
			t.Errorf("ParseAddr(multiaddr %s bytes) = %v, %v; want %v", text, back, err, a)
		}
		fromOurs, err := multiaddr.NewMultiaddrBytes(ours)
		if err != nil || fromOurs.String() != text {
			t.Errorf("multiaddr reads our bytes %x as %v, %v; want %s", ours, fromOurs, err, text)
		}
	}
}

func TestParseAddrRejectsValidMultiaddrsOfOtherShapes(t *testing.T) {
	for _, s := range []string{
		"/ip4/127.0.0.1/tcp/7070",
		"/ip4/127.0.0.1",
		"/ip4/127.0.0.1/udp/7070/quic-v1",
		"/ip6/::1/tcp/7071",
		"/dns4/localhost/udp/7070",
		"/dns6/localhost/udp/7070",
		"/ip6zone/eth0/ip6/fe80::1/udp/7070",
		"/udp/7070",
		"/unix/tmp/sock",
	} {
		ma, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if a, err := message.ParseAddr(ma.Bytes()); err != message.ErrAddress {
			t.Errorf("ParseAddr(%s) = %v, %v; want ErrAddress", s, a, err)
		}
	}
}
