// Package cmd holds rediskit's commands. Each command is an options struct,
// a newXCmd constructor that only copies flags into it, and a runX function
// that knows nothing about cobra. Output goes through the injected Streams.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9/logging"
)

// Main runs rediskit with args (without the program name) and returns the
// process's exit code.
func Main(args []string, streams *Streams, getenv func(string) string) int {
	// go-redis logs failed dials to os.Stderr on its own; verification
	// reports every failure itself, through the view.
	logging.Disable()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := newApp(streams, getenv)
	stopSignals := app.watchSignals(cancel)
	defer stopSignals()

	root := newRootCmd(app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !silent(err) {
		app.view().Error(err)
	}
	if errors.Is(err, context.Canceled) && app.stopping.Load() {
		return exitInterrupted
	}
	return exitCode(err)
}

// watchSignals turns the first Ctrl-C into a request to stop at the next
// safe point and the second into cancelling everything in flight.
func (a *app) watchSignals(cancel context.CancelFunc) func() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ch:
				if a.stopping.Swap(true) {
					cancel()
					continue
				}
				fmt.Fprintln(a.streams.Err, "\nInterrupt received: stopping after the current step (state records what is done). Press Ctrl-C again to abort it now.")
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
