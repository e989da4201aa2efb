//go:build unix && !(linux && !386 && !s390x)

package udp

// allocsAllowed is true where ReadFrom goes through unix.Recvfrom, which
// allocates the source address.
const allocsAllowed = true
