package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type outputOptions struct {
	stack  string
	name   string
	reveal bool
}

func newOutputCmd(a *app) *cobra.Command {
	opts := &outputOptions{}
	c := &cobra.Command{
		Use:   "output [STACK] [NAME]",
		Short: "Print the URL of each redis block, password masked unless --reveal",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack, opts.name = outputArgs(args)
			return runOutput(c.Context(), a, opts)
		},
	}
	c.Flags().BoolVar(&opts.reveal, "reveal", false, "print the URL with its password")
	return c
}

func runOutput(ctx context.Context, a *app, opts *outputOptions) error {
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	if opts.name != "" && stack.RedisByName(opts.name) == nil {
		return fmt.Errorf("the stack has no redis %q; `rediskit output` without a name lists them all", opts.name)
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
		url := provision.MaskURL(inst.URL)
		if opts.reveal {
			url = inst.URL
		}
		o := outputValue{Name: rb.Name, Provider: st.RedisByName(rb.Name).Active().Type, URL: url, Sensitive: true}
		if opts.name != "" && !a.json {
			o.Name = ""
		}
		outs = append(outs, o)
	}
	a.view().Outputs(outs)
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
