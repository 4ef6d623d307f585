package provision

import "context"

// PlanDeleteOld adds to p, for a run with ApplyOptions.DeleteOld, the
// deletion of every backend PlanPrune would delete: those retained by an
// earlier switch and standby ones whose switch was abandoned. A switch
// with DeleteOld records the old backend as retained before deleting it,
// so a run stopped between the two (a crash, a failed delete) is finished
// by running the same command again, instead of leaving the old backend
// retained without a word.
func (e *Engine) PlanDeleteOld(ctx context.Context, stack *Stack, st *State, p *Plan) error {
	prune, err := e.PlanPrune(ctx, stack, st)
	if err != nil {
		return err
	}
	p.Changes = append(p.Changes, prune.Changes...)
	return nil
}
