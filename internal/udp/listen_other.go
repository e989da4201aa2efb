//go:build !unix

package udp

import "net/netip"

// Listen opens the portable transport, a NetConn (see ListenNet): this
// system has no poll in package unix, so the caller waits with Wait.
func Listen(addr netip.AddrPort, opts Options) (*NetConn, error) { return ListenNet(addr, opts) }
