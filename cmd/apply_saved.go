package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/rediskit/rediskit/provision"
)

// runApplySaved performs a plan file: the stack it names, checked against
// the file, under the lock, against the very state it was made from. Like
// Terraform, it asks nothing: the plan was reviewed when it was saved.
func runApplySaved(ctx context.Context, a *app, pf *provision.PlanFile) error {
	op := map[bool]string{false: "apply", true: "destroy"}[pf.Destroy]
	stack, reg, err := a.loadStack(pf.Stack)
	if err != nil {
		return err
	}
	if err := pf.CheckStack(stack); err != nil {
		return err
	}
	s, err := a.openState(ctx, stack, reg, op)
	if err != nil {
		return err
	}
	defer s.unlock()
	plan, err := s.engine.PlanSaved(ctx, pf, stack, s.state)
	if err != nil {
		return err
	}
	a.applyView().Plan(plan)
	a.showMigrationSteps(plan, &runOptions{})
	if !plan.HasChanges() {
		return nil
	}
	return a.execute(ctx, s, plan, op, provision.ApplyOptions{Stop: a.stopRequested, SkipVerify: plan.Destroy})
}

// execute applies an approved plan with ao and closes with its outcome.
func (a *app) execute(ctx context.Context, s *session, plan *provision.Plan, op string, ao provision.ApplyOptions) error {
	err := s.engine.Apply(ctx, plan, s.state, ao)
	if errors.Is(err, provision.ErrInterrupted) {
		return fmt.Errorf("%w: stopped after the last finished step, which the state records; run `rediskit %s` again to continue", err, op)
	}
	if err != nil {
		return fmt.Errorf("%w\nWhat is done so far is recorded in the state; fix the cause and run `rediskit %s` again to continue", err, op)
	}
	sum := plan.Summary()
	a.applyView().Result(result{Kind: op, Summary: &sum, Message: completeLine(op, sum)})
	return nil
}
