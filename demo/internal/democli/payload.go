package democli

import (
	"fmt"
	"strings"
	"time"
)

// The node's payloads are short text ending in the time they were sent:
//
//	hello #3 from /ip4/127.0.0.1/udp/7070 at 2025-11-21T23:30:01.123456789Z
//
// so that a receiver can print how old a payload is when it arrives.
const stampSep = " at "

// FormatPayload returns the text a node sends as its n-th payload.
func FormatPayload(n int, from fmt.Stringer, at time.Time) string {
	return fmt.Sprintf("hello #%d from %s%s%s", n, from, stampSep, at.UTC().Format(time.RFC3339Nano))
}

// PayloadTime returns the send time a payload made by FormatPayload
// carries, and false for any other payload.
func PayloadTime(p []byte) (time.Time, bool) {
	s := string(p)
	i := strings.LastIndex(s, stampSep)
	if i < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s[i+len(stampSep):])
	return t, err == nil
}
