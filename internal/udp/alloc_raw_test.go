//go:build linux && !386 && !s390x

package udp

// allocsAllowed is false where ReadFrom uses the raw recvfrom path.
const allocsAllowed = false
