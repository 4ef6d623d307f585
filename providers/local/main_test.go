package local_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/rediskit/rediskit/providers/local"
)

// TestMain lets the test binary stand in for rediskit as the embedded
// server, wired the way `rediskit internal embedded-redis CONFIG` is.
func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == "internal" && os.Args[2] == "embedded-redis" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		err := local.RunEmbedded(ctx, os.Args[3], os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
