package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type planOptions struct {
	stack            string
	detailedExitCode bool
	destroy          bool
	out              string
}

func newPlanCmd(a *app) *cobra.Command {
	opts := &planOptions{}
	c := &cobra.Command{
		Use:   "plan [STACK]",
		Short: "Show what apply would change, after refreshing what is recorded",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack = stackPath(args)
			return runPlan(c.Context(), a, opts)
		},
	}
	c.Flags().BoolVar(&opts.detailedExitCode, "detailed-exitcode", false, "exit 0 when nothing would change, 2 when something would")
	c.Flags().BoolVar(&opts.destroy, "destroy", false, "plan to remove everything the state records")
	c.Flags().StringVar(&opts.out, "out", "", "save the plan to FILE; `rediskit apply FILE` then performs exactly it")
	return c
}

func runPlan(ctx context.Context, a *app, opts *planOptions) error {
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	s, err := a.openState(ctx, stack, reg, "plan")
	if err != nil {
		return err
	}
	defer s.unlock()
	plan, err := planFor(ctx, s, stack, map[bool]string{false: "plan", true: "destroy"}[opts.destroy])
	if err != nil {
		return err
	}
	a.planView().Plan(plan)
	a.showMigrationSteps(plan, &runOptions{})
	a.showPlanCost(ctx, stack, reg, s.state, plan)
	if opts.out != "" {
		if err := a.savePlan(stack, plan, opts.out); err != nil {
			return err
		}
	}
	if opts.detailedExitCode && plan.HasChanges() {
		return &exitCodeError{code: exitChanges}
	}
	return nil
}

// savePlan writes plan to path for a later `rediskit apply path`.
func (a *app) savePlan(stack *provision.Stack, plan *provision.Plan, path string) error {
	pf, err := provision.NewPlanFile(stack, plan, Version, time.Now())
	if err != nil {
		return err
	}
	if err := pf.Write(path); err != nil {
		return err
	}
	a.planView().Result(result{Kind: "plan_saved", PlanFile: path,
		Message: fmt.Sprintf("Saved the plan to %s. To perform exactly these actions, run: rediskit apply %s", path, path)})
	return nil
}
