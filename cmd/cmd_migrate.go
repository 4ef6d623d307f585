package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type migrateOptions struct {
	stack string
	to    string
	redis string
	run   runOptions
}

func newMigrateCmd(a *app) *cobra.Command {
	opts := &migrateOptions{}
	c := &cobra.Command{
		Use:   "migrate --to TYPE [STACK]",
		Short: "Switch a redis block to another backend in one step, keeping the old one for rollback",
		Long: `migrate sets provider = "TYPE" in the stack file (keeping its comments and
layout) and applies it: the new backend is created (or a retained one reused)
and verified, the data copied with --copy-data, every target switched and
checked, and the old backend kept as retained, so that migrating back is
instant. Committing the same one-line change and running ` + "`rediskit apply`" + ` does
exactly the same.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack = stackPath(args)
			return runMigrate(c.Context(), a, opts)
		},
	}
	c.Flags().StringVar(&opts.to, "to", "", "the backend type to move to (upstash, memorystore, local)")
	c.Flags().StringVar(&opts.redis, "redis", "", "the redis block to move, when the stack has several")
	addRunFlags(c, &opts.run, "migrate")
	_ = c.MarkFlagRequired("to")
	return c
}

func runMigrate(ctx context.Context, a *app, opts *migrateOptions) error {
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	rb, diags := migrationBlock(stack, reg, opts)
	if diags.HasErrors() {
		a.migrateView().Diagnostics(diags, stack.Files)
		return errReported
	}
	src, err := os.ReadFile(stack.File)
	if err != nil {
		return fmt.Errorf("read %s: %w", stack.File, err)
	}
	edited, err := provision.SwitchProvider(src, stack.File, rb.Name, opts.to)
	if err != nil {
		return err
	}
	if string(edited) != string(src) {
		a.migrateView().StackEdit(stack.File, unifiedDiff(stack.File, "migrated", string(src), string(edited)))
	}
	next, _, err := a.parseStack(stack.File, edited)
	if err != nil {
		return err
	}
	opts.run.beforeApply = func() error { return writeStackFile(stack.File, edited) }
	return a.applyStack(ctx, next, reg, "migrate", &opts.run)
}

// migrationBlock picks the redis block to move and checks that it has a
// block for the new backend.
func migrationBlock(stack *provision.Stack, reg *provision.Registry, opts *migrateOptions) (*provision.RedisBlock, hcl.Diagnostics) {
	if _, ok := reg.Backend(opts.to); !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown backend type %q", opts.to),
			Detail: "--to names a backend type: " + strings.Join(reg.BackendTypes(), ", ") + "."}}
	}
	rb, diags := pickRedis(stack, opts.redis)
	if diags.HasErrors() {
		return nil, diags
	}
	if _, ok := rb.Specs[opts.to]; !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("redis %q has no %s block", rb.Name, opts.to),
			Detail: fmt.Sprintf("Moving to %s needs its settings in the redis block. Add this block (values taken from the stack; check them), then run the migration again:\n\n%s",
				opts.to, provision.SuggestBlock(stack, rb, opts.to)),
			Subject: rb.DefRange.Ptr()}}
	}
	return rb, nil
}

func pickRedis(stack *provision.Stack, name string) (*provision.RedisBlock, hcl.Diagnostics) {
	var names []string
	for _, rb := range stack.Redis {
		names = append(names, rb.Name)
	}
	switch {
	case name != "":
		if rb := stack.RedisByName(name); rb != nil {
			return rb, nil
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("No redis %q in the stack", name),
			Detail: "--redis names one of: " + strings.Join(names, ", ") + "."}}
	case len(stack.Redis) == 1:
		return stack.Redis[0], nil
	case len(stack.Redis) == 0:
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "The stack has no redis block",
			Detail: "Declare a redis block first; migrate moves one to another backend."}}
	}
	return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Which redis block?",
		Detail: "The stack has several redis blocks (" + strings.Join(names, ", ") + "); name one with --redis NAME."}}
}

// writeStackFile replaces the stack file atomically, keeping its mode.
func writeStackFile(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data, info.Mode().Perm()); err != nil {
		return fmt.Errorf("write %s: %w; nothing was changed", path, err)
	}
	return nil
}

func newPruneCmd(a *app) *cobra.Command {
	opts := &runOptions{}
	c := &cobra.Command{
		Use:   "prune [STACK]",
		Short: "Delete the backends kept after a migration",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			stack, reg, err := a.loadStack(stackPath(args))
			if err != nil {
				return err
			}
			return a.applyStack(c.Context(), stack, reg, "prune", opts)
		},
	}
	c.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, "prune without asking for confirmation (for CI)")
	return c
}
