package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

func newApplyCmd(a *app) *cobra.Command {
	opts := &runOptions{}
	c := &cobra.Command{
		Use:   "apply [STACK or PLANFILE]",
		Short: "Create or update the backends, verify them and write their URLs into the targets",
		Long: `apply plans the stack (stack.hcl unless named), asks for "yes" unless
--auto-approve, then creates or updates the backends, verifies them and writes
their URLs into the targets.

Given a plan file from ` + "`rediskit plan --out FILE`" + ` (told by its content, not its
name), apply performs exactly that plan without asking, and refuses it when the
stack, its variable values, the state or what is running changed since.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runApply(c.Context(), a, stackPath(args), "apply", opts)
		},
	}
	addRunFlags(c, opts, "apply")
	return c
}

func newDestroyCmd(a *app) *cobra.Command {
	opts := &runOptions{}
	c := &cobra.Command{
		Use:   "destroy [STACK]",
		Short: "Remove every URL rediskit wrote and delete every backend it created",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runApply(c.Context(), a, stackPath(args), "destroy", opts)
		},
	}
	c.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, "destroy without asking for confirmation (for CI)")
	c.Flags().BoolVar(&opts.deleteSecrets, "delete-secrets", false, "also delete the Secret Manager secrets rediskit created for cloud_run targets (default: keep them)")
	return c
}

// runApply runs apply or destroy on a stack, or performs a saved plan.
func runApply(ctx context.Context, a *app, path, op string, opts *runOptions) error {
	pf, err := provision.ReadPlanFile(path)
	if err != nil {
		return err
	}
	if pf != nil {
		if op == "destroy" {
			return fmt.Errorf("%s is a saved plan, not a stack; run `rediskit apply %s` to perform it", path, path)
		}
		return runApplySaved(ctx, a, pf)
	}
	stack, reg, err := a.loadStack(path)
	if err != nil {
		return err
	}
	return a.applyStack(ctx, stack, reg, op, opts)
}

func completeLine(op string, s provision.Summary) string {
	switch op {
	case "destroy":
		return fmt.Sprintf("Destroy complete! %s deleted, %s unbound.", plural(s.Delete, "backend"), plural(s.Unbind, "target"))
	case "prune":
		return fmt.Sprintf("Prune complete! %s deleted.", plural(s.Delete, "retained backend"))
	case "migrate":
		return fmt.Sprintf("Migration complete! %d created, %d updated, %d deleted; %s switched.", s.Create, s.Update, s.Delete, plural(s.Bind, "target"))
	}
	return fmt.Sprintf("Apply complete! %d created, %d updated, %d replaced, %d deleted; %s bound, %d unbound.",
		s.Create, s.Update, s.Replace, s.Delete, plural(s.Bind, "target"), s.Unbind)
}

// confirm asks for the literal answer "yes" on a terminal. Without one it
// refuses at once rather than waiting for input that will never come.
func (a *app) confirm(autoApprove bool, op string) error {
	if autoApprove {
		return nil
	}
	canAsk := a.streams.InTTY && !a.json
	a.applyView().Approval(op, canAsk)
	if !canAsk {
		return fmt.Errorf("%s needs confirmation, but there is no terminal to ask on; review the plan above and rerun with --auto-approve", op)
	}
	line, err := bufio.NewReader(a.streams.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" || (err != nil && line == "") {
		return fmt.Errorf("%s cancelled: nothing was changed", op)
	}
	return nil
}
