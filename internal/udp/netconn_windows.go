package udp

import (
	"net"
	"unsafe"

	"golang.org/x/sys/windows"
)

// platformSetup turns off SIO_UDP_CONNRESET: by default Windows makes
// the next read of a UDP socket fail with WSAECONNRESET after an ICMP
// port unreachable for an earlier send, which a node that writes to a
// member that has just gone would take for a broken socket.
func platformSetup(conn *net.UDPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	if err := rc.Control(func(fd uintptr) {
		off := uint32(0)
		var ret uint32
		ioErr = windows.WSAIoctl(windows.Handle(fd), windows.SIO_UDP_CONNRESET,
			(*byte)(unsafe.Pointer(&off)), uint32(unsafe.Sizeof(off)), nil, 0, &ret, nil, 0)
	}); err != nil {
		return err
	}
	return ioErr
}
