//go:build !windows

package udp

import "net"

// platformSetup has nothing to do outside Windows.
func platformSetup(*net.UDPConn) error { return nil }
