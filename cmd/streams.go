package cmd

import (
	"io"
	"os"

	"golang.org/x/term"
)

// Streams are the process's standard streams, injected so that commands
// never touch os.Stdout and tests can capture everything.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// InTTY and OutTTY say whether In and Out are terminals: prompts need
	// the first, colour the second.
	InTTY  bool
	OutTTY bool
}

// SystemStreams returns the real standard streams.
func SystemStreams() *Streams {
	return &Streams{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	}
}
