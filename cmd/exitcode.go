package cmd

import (
	"errors"

	"github.com/rediskit/rediskit/provision"
)

// Exit codes, as the product contract (spec §7) fixes them.
const (
	exitOK          = 0
	exitError       = 1
	exitChanges     = 2
	exitLocked      = 3
	exitInterrupted = 130
)

// exitCodeError ends a command with a specific exit code. Its message, if
// any, has already been shown.
type exitCodeError struct {
	code int
}

func (e *exitCodeError) Error() string { return "exit status" }

// errReported marks an error whose explanation (diagnostics) has already
// been written, so Main only sets the exit code.
var errReported = errors.New("reported")

// exitCode classifies an error into the process's exit code.
func exitCode(err error) int {
	var ec *exitCodeError
	var le *provision.LockError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ec):
		return ec.code
	case errors.As(err, &le):
		return exitLocked
	case errors.Is(err, provision.ErrInterrupted):
		return exitInterrupted
	}
	return exitError
}

// silent reports whether Main should not print err again.
func silent(err error) bool {
	var ec *exitCodeError
	return errors.Is(err, errReported) || errors.As(err, &ec)
}
