//go:build linux && !386 && !s390x

package udp

import (
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestAddrPortFromRaw(t *testing.T) {
	var rsa unix.RawSockaddrAny

	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
	sa4.Family = unix.AF_INET
	*(*[2]byte)(unsafe.Pointer(&sa4.Port)) = [2]byte{0x1f, 0x90} // 8080, network order
	sa4.Addr = [4]byte{192, 0, 2, 7}
	got, ok := addrPortFromRaw(&rsa, unix.SizeofSockaddrInet4)
	if want := netip.MustParseAddrPort("192.0.2.7:8080"); !ok || got != want {
		t.Errorf("IPv4: %v, %v; want %v", got, ok, want)
	}
	if _, ok := addrPortFromRaw(&rsa, unix.SizeofSockaddrInet4-1); ok {
		t.Error("short IPv4 sockaddr accepted")
	}

	rsa = unix.RawSockaddrAny{}
	sa6 := (*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa))
	sa6.Family = unix.AF_INET6
	*(*[2]byte)(unsafe.Pointer(&sa6.Port)) = [2]byte{0xff, 0x01} // 65281
	sa6.Addr = netip.MustParseAddr("fe80::1").As16()
	sa6.Scope_id = 3
	got, ok = addrPortFromRaw(&rsa, unix.SizeofSockaddrInet6)
	if want := netip.MustParseAddrPort("[fe80::1%3]:65281"); !ok || got != want {
		t.Errorf("IPv6 with scope: %v, %v; want %v", got, ok, want)
	}

	sa6.Scope_id = 0
	sa6.Addr = netip.MustParseAddr("::ffff:10.0.0.1").As16()
	got, ok = addrPortFromRaw(&rsa, unix.SizeofSockaddrInet6)
	if want := netip.MustParseAddrPort("[::ffff:10.0.0.1]:65281"); !ok || got != want || !got.Addr().Is4In6() {
		t.Errorf("IPv4-mapped: %v, %v; want %v kept mapped", got, ok, want)
	}
	if _, ok := addrPortFromRaw(&rsa, unix.SizeofSockaddrInet4); ok {
		t.Error("short IPv6 sockaddr accepted")
	}

	rsa = unix.RawSockaddrAny{}
	rsa.Addr.Family = unix.AF_UNIX
	if _, ok := addrPortFromRaw(&rsa, unix.SizeofSockaddrAny); ok {
		t.Error("AF_UNIX sockaddr accepted")
	}
}
