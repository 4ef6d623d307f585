package cmd

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/spf13/cobra"
)

// newInternalCmd holds helper processes that rediskit starts itself. They
// are hidden: nobody types them.
func newInternalCmd(a *app) *cobra.Command {
	c := &cobra.Command{Use: "internal", Hidden: true}
	c.AddCommand(&cobra.Command{
		Use:   "embedded-redis CONFIG",
		Short: "Serve the local backend's embedded Redis until terminated",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return local.RunEmbedded(ctx, args[0], a.streams.Err)
		},
	})
	return c
}
