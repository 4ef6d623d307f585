package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/rediscopy"
	"github.com/spf13/cobra"
)

// runOptions are what apply, destroy, migrate and prune share.
type runOptions struct {
	autoApprove bool
	copyData    bool
	deleteOld   bool
	// deleteSecrets (destroy --delete-secrets) deletes the secrets targets
	// created, which unbinding otherwise leaves.
	deleteSecrets bool
	// beforeApply runs after approval and before the first change; migrate
	// writes the edited stack file there, so a declined plan edits nothing.
	beforeApply func() error
}

// addRunFlags adds the flags of a command that changes things.
func addRunFlags(c *cobra.Command, opts *runOptions, op string) {
	c.Flags().BoolVar(&opts.autoApprove, "auto-approve", false, op+" without asking for confirmation (for CI)")
	c.Flags().BoolVar(&opts.copyData, "copy-data", false, "when a redis block switches backend, copy every key with its TTL to the new one before the targets move")
	c.Flags().BoolVar(&opts.deleteOld, "delete-old", false, "when a redis block switches backend, delete the old one once every target moved (default: keep it for rollback)")
}

// applyStack plans op ("apply", "migrate", "destroy" or "prune") for a
// loaded stack under the state lock, shows the plan, asks, and applies it.
func (a *app) applyStack(ctx context.Context, stack *provision.Stack, reg *provision.Registry, op string, opts *runOptions) error {
	s, err := a.openState(ctx, stack, reg, op)
	if err != nil {
		return err
	}
	defer s.unlock()
	plan, err := planFor(ctx, s, stack, op)
	if err == nil && opts.deleteOld {
		err = s.engine.PlanDeleteOld(ctx, stack, s.state, plan)
	}
	if err != nil {
		return err
	}
	a.applyView().Plan(plan)
	a.showMigrationSteps(plan, opts)
	if !plan.HasChanges() {
		return opts.runBeforeApply()
	}
	a.showPlanCost(ctx, stack, reg, s.state, plan)
	if err := a.confirm(opts.autoApprove, op); err != nil {
		return err
	}
	if err := opts.runBeforeApply(); err != nil {
		return err
	}
	return a.execute(ctx, s, plan, op, a.applyOptions(plan, opts))
}

func (o *runOptions) runBeforeApply() error {
	if o.beforeApply == nil {
		return nil
	}
	return o.beforeApply()
}

func planFor(ctx context.Context, s *session, stack *provision.Stack, op string) (*provision.Plan, error) {
	switch op {
	case "destroy":
		return s.engine.PlanDestroy(ctx, stack, s.state)
	case "prune":
		return s.engine.PlanPrune(ctx, stack, s.state)
	}
	return s.engine.Plan(ctx, stack, s.state)
}

// applyOptions turns the command's flags into the engine's options.
func (a *app) applyOptions(plan *provision.Plan, opts *runOptions) provision.ApplyOptions {
	ao := provision.ApplyOptions{Stop: a.stopRequested, SkipVerify: plan.Destroy, DeleteOld: opts.deleteOld, DeleteSecrets: opts.deleteSecrets}
	if opts.copyData {
		ao.Copy = copyData
	}
	return ao
}

// showMigrationSteps lists, under the plan, what each provider switch will
// do in order.
func (a *app) showMigrationSteps(plan *provision.Plan, opts *runOptions) {
	for _, c := range plan.Changes {
		steps := plan.MigrationSteps(c, opts.copyData, opts.deleteOld)
		if len(steps) == 0 {
			continue
		}
		a.applyView().Event(provision.Event{Type: provision.EventMigration, Address: c.Address,
			Message: fmt.Sprintf("%s → %s", c.From, c.Type), Steps: steps})
	}
}

// copyData copies a switching redis block's keys with rediscopy, reporting
// progress through the engine. It first says how many commands the copy
// will send, since Upstash bills every one.
func copyData(ctx context.Context, from, to *provision.Instance, progress func(string)) error {
	src := rediscopy.Endpoint{URL: from.URL, CACert: from.CACert}
	dst := rediscopy.Endpoint{URL: to.URL, CACert: to.CACert}
	opts := rediscopy.Options{Verify: true, Progress: func(p rediscopy.Progress) {
		progress(fmt.Sprintf("%s: %d of ~%d keys, %.0f keys/s", p.Phase, p.Keys, p.Total, p.Rate))
	}}
	if n, err := rediscopy.CountKeys(ctx, src); err == nil {
		est := rediscopy.EstimateBillable(n, opts).DumpRestore
		progress(fmt.Sprintf("copying ~%d keys: about %d commands on the old backend and %d on the new one (Upstash bills each)", n, est.Source, est.Target))
	}
	res, err := rediscopy.Copy(ctx, src, dst, opts)
	if res != nil {
		progress(fmt.Sprintf("copied %d keys (%s), %d expired meanwhile, %d failed, in %s",
			res.Copied, res.Mode, res.Skipped, res.Failed, res.Elapsed.Round(time.Millisecond)))
		if len(res.FailedKeys) > 0 {
			progress("keys not copied: " + strings.Join(res.FailedKeys, ", "))
		}
		if res.Verify != nil && len(res.Verify.MismatchedKeys) > 0 {
			progress("keys that differ after the copy: " + strings.Join(res.Verify.MismatchedKeys, ", "))
		}
	}
	return err
}
