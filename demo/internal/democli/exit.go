package democli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the demo programs, as a built binary returns them.
// Under go run the go command reports a failing program with a line
// "exit status N" and exits 1 itself, whatever N was.
const (
	StatusOK       = 0 // finished, or stopped by SIGINT or SIGTERM
	StatusFailure  = 1 // failed while running (a socket error, a payload not delivered)
	StatusBadInput = 2 // bad flags or addresses, a port in use, no seed answered
)

// badInput marks an error as the user's input's fault: exit status 2.
type badInput struct{ err error }

func (b badInput) Error() string { return b.err.Error() }
func (b badInput) Unwrap() error { return b.err }

// BadInput wraps err so that Exit reports it with StatusBadInput.
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return badInput{err}
}

// BadInputf formats a bad-input error.
func BadInputf(format string, args ...any) error {
	return badInput{fmt.Errorf(format, args...)}
}

// Exit prints err as one line, "prog: err", to w and returns the exit
// status for it: StatusOK for nil, StatusBadInput for errors made by
// BadInput, StatusFailure for the rest. flag.ErrHelp (the usage was
// printed for -h) is StatusOK and prints nothing.
func Exit(w io.Writer, prog string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return StatusOK
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(w, "%s: %s\n", prog, msg)
	if errors.As(err, new(badInput)) {
		return StatusBadInput
	}
	return StatusFailure
}
