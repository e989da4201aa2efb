package democli

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Poll waits until one of fds is ready or d has passed, as the library's
// loop documents: d is Tick's result (or less). d is rounded up to whole
// milliseconds, so a wait of 0.4 ms does not become a busy poll of 0 ms.
// An interrupted poll (EINTR, a signal arrived) is not an error.
func Poll(fds []unix.PollFd, d time.Duration) error {
	if _, err := unix.Poll(fds, Millis(d)); err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("poll: %w", err)
	}
	return nil
}

// Millis converts a wait to poll's milliseconds, rounding up; negative
// waits become 0.
func Millis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
