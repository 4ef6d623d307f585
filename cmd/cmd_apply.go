package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type applyOptions struct {
	stack       string
	autoApprove bool
	destroy     bool
}

func newApplyCmd(a *app) *cobra.Command {
	opts := &applyOptions{}
	c := &cobra.Command{
		Use:   "apply [STACK]",
		Short: "Create or update the backends, verify them and write their URLs into the targets",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack = stackPath(args)
			return runApply(c.Context(), a, opts)
		},
	}
	c.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, "apply without asking for confirmation (for CI)")
	return c
}

func newDestroyCmd(a *app) *cobra.Command {
	opts := &applyOptions{destroy: true}
	c := &cobra.Command{
		Use:   "destroy [STACK]",
		Short: "Remove every URL rediskit wrote and delete every backend it created",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack = stackPath(args)
			return runApply(c.Context(), a, opts)
		},
	}
	c.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, "destroy without asking for confirmation (for CI)")
	return c
}

func runApply(ctx context.Context, a *app, opts *applyOptions) error {
	op := map[bool]string{false: "apply", true: "destroy"}[opts.destroy]
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	s, err := a.openState(ctx, stack, reg, op)
	if err != nil {
		return err
	}
	defer s.unlock()
	plan, err := makePlan(ctx, s, stack, opts.destroy)
	if err != nil {
		return err
	}
	a.view().Plan(plan)
	if !plan.HasChanges() {
		return nil
	}
	a.showPlanCost(ctx, stack, reg, s.state, plan)
	if err := a.confirm(opts.autoApprove, op); err != nil {
		return err
	}
	err = s.engine.Apply(ctx, plan, s.state, provision.ApplyOptions{Stop: a.stopRequested, SkipVerify: opts.destroy})
	if errors.Is(err, provision.ErrInterrupted) {
		return fmt.Errorf("%w: stopped after the last finished step, which the state records; run `rediskit %s` again to continue", err, op)
	}
	if err != nil {
		return fmt.Errorf("%w\nWhat is done so far is recorded in the state; fix the cause and run `rediskit %s` again to continue", err, op)
	}
	sum := plan.Summary()
	a.view().Result(result{Kind: op, Summary: &sum, Message: completeLine(op, sum)})
	return nil
}

func completeLine(op string, s provision.Summary) string {
	if op == "destroy" {
		return fmt.Sprintf("Destroy complete! %s deleted, %s unbound.", plural(s.Delete, "backend"), plural(s.Unbind, "target"))
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
	if !a.streams.InTTY || a.json {
		return fmt.Errorf("%s needs confirmation, but there is no terminal to ask on; review the plan above and rerun with --auto-approve", op)
	}
	fmt.Fprintf(a.streams.Out, "\nDo you want to %s? Only 'yes' will be accepted.\n  Enter a value: ", op)
	line, err := bufio.NewReader(a.streams.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" || (err != nil && line == "") {
		return fmt.Errorf("%s cancelled: nothing was changed", op)
	}
	return nil
}
