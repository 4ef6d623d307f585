package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

type outputOptions struct {
	stack  string
	name   string
	reveal bool
	format string
}

// The --format values: the URLs, or a settings block that reads one.
const (
	formatURL    = "url"
	formatDjango = "django"
)

func newOutputCmd(a *app) *cobra.Command {
	opts := &outputOptions{}
	c := &cobra.Command{
		Use:   "output [STACK] [NAME]",
		Short: "Print the URL of each redis block, password masked unless --reveal",
		Long: "Print the URL of each redis block, password masked unless --reveal. For a backend whose\n" +
			"certificate comes from its own CA (Memorystore), the CA is kept in .rediskit/ca/NAME.pem\n" +
			"beside the state and the URL names it, so that it works as it is with redis-py.\n" +
			"--format django prints a CHANNEL_LAYERS block that reads REDIS_URL from the environment.",
		Args: cobra.MaximumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack, opts.name = outputArgs(args)
			return runOutput(c.Context(), a, opts)
		},
	}
	c.Flags().BoolVar(&opts.reveal, "reveal", false, "print the URL with its password")
	c.Flags().StringVar(&opts.format, "format", formatURL, "url, or django for a CHANNEL_LAYERS block (channels_redis 4)")
	return c
}

func runOutput(ctx context.Context, a *app, opts *outputOptions) error {
	if opts.format != formatURL && opts.format != formatDjango {
		return fmt.Errorf("--format %q is not known; use --format url (the default) or --format django", opts.format)
	}
	if opts.format == formatDjango && a.json {
		return errors.New("--format django prints Python settings, not JSON; drop --json")
	}
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	if opts.name != "" && stack.RedisByName(opts.name) == nil {
		return fmt.Errorf("the stack has no redis %q; `rediskit output` without a name lists them all", opts.name)
	}
	if opts.format == formatDjango {
		// The block holds no URL: the app reads it from its environment.
		a.outputView().DjangoSettings(djangoEnv)
		return nil
	}
	_, st, refreshed, err := a.refreshOnly(ctx, stack, reg)
	if err != nil {
		return err
	}
	var outs []outputValue
	for _, rb := range stack.Redis {
		if opts.name != "" && rb.Name != opts.name {
			continue
		}
		inst := activeInstance(st, refreshed, rb.Name)
		if inst == nil {
			return fmt.Errorf("redis.%s has no backend yet; run `rediskit apply` first", rb.Name)
		}
		o, err := outputOf(stack, rb.Name, inst, opts.reveal)
		if err != nil {
			return err
		}
		o.Provider = st.RedisByName(rb.Name).Active().Type
		if opts.name != "" && !a.json {
			o.Name = ""
		}
		outs = append(outs, o)
	}
	a.outputView().Outputs(outs)
	return nil
}

// outputArgs tells `output NAME` from `output STACK`: an argument that is an
// existing path or ends in .hcl is the stack.
func outputArgs(args []string) (stack, name string) {
	switch len(args) {
	case 0:
		return stackPath(nil), ""
	case 1:
		if _, err := os.Stat(args[0]); err == nil || strings.HasSuffix(args[0], ".hcl") {
			return args[0], ""
		}
		return stackPath(nil), args[0]
	}
	return args[0], args[1]
}
