package provision

import (
	"context"
	"errors"
	"fmt"
)

// A provider switch (a redis block whose provider differs from the backend
// that serves it) is applied as: create or reuse the new backend, verify
// it, optionally copy the data, move the targets one by one, then keep the
// old backend as retained (or delete it with DeleteOld). If a target fails
// after the first one moved, every moved target goes back to the old URL,
// so the app never runs half on each.

// Previous returns the instance a redis block is switching away from, or nil.
func (p *Plan) Previous(name string) *Instance { return p.previous[name] }

// MigrationSteps lists, for a provider switch, what apply will do, in order,
// for plans to show the switch as one unit.
func (p *Plan) MigrationSteps(c *Change, copyData, deleteOld bool) []string {
	if c.From == "" || !c.IsRedis() {
		return nil
	}
	steps := []string{"create the " + c.Type + " backend"}
	if c.Action == Update || c.Action == NoOp {
		steps[0] = "reuse the " + c.Type + " backend kept in state"
	}
	steps = append(steps, "verify it as a Channels layer (stop here on failure: nothing the app uses changes)")
	if copyData {
		steps = append(steps, "copy every key with its TTL from the "+c.From+" backend (a snapshot)")
	}
	for _, t := range p.Changes {
		if !t.IsRedis() && t.Redis == c.Redis && t.Action != Unbind {
			steps = append(steps, "switch "+t.Address+" ("+t.Describe+") and wait until it is healthy")
		}
	}
	if deleteOld {
		steps = append(steps, "delete the "+c.From+" backend")
	} else {
		steps = append(steps, "keep the "+c.From+" backend as retained for rollback (`rediskit migrate --to "+c.From+"`; `rediskit prune` deletes it)")
	}
	return append(steps, "Channels groups are re-established as consumers reconnect; messages in flight on the old backend may be dropped, which channels_redis tolerates")
}

// copyData runs ApplyOptions.Copy for a provider switch.
func (a *applier) copyData(ctx context.Context, c *Change) error {
	from := a.plan.previous[c.Redis]
	if a.opts.Copy == nil || c.From == "" || from == nil {
		return nil
	}
	for _, side := range []struct {
		inst *Instance
		typ  string
	}{{from, c.From}, {a.instances[c.Redis], c.Type}} {
		if side.inst.Private {
			return fmt.Errorf("cannot copy data: the %s backend is not reachable from here (private network); run the migration from inside its VPC, or without --copy-data", side.typ)
		}
	}
	a.before("copy data to", backendLabel(c.Redis, c.Type))
	err := a.opts.Copy(ctx, from, a.instances[c.Redis], a.progress(c))
	a.after("copy data to", backendLabel(c.Redis, c.Type))
	if err != nil {
		return fmt.Errorf("copy data from the %s backend: %w; no target was changed", c.From, err)
	}
	return nil
}

// switching reports whether redis block name is moving to a new backend in
// this apply, so a failed target must take the others back.
func (a *applier) switching(name string) bool {
	return a.plan.previous[name] != nil
}

// rollbackTargets puts every target of redis block name that this run moved
// (and failed, the one that just failed) back on the previous backend.
func (a *applier) rollbackTargets(ctx context.Context, name string, failed *Change, cause error) error {
	prev := a.plan.previous[name]
	var errs []error
	for _, c := range append(a.switched[name], failed) {
		if c == nil || c.target == nil {
			continue
		}
		attrs, err := a.rollbackTarget(ctx, c, prev)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Address, err))
			continue
		}
		a.st.PutTarget(&TargetState{Type: c.Type, Name: c.target.Name, Redis: name, Attrs: attrs,
			URLFingerprint: Fingerprint(a.st.Lineage, prev.URL), WrittenAt: a.e.now()})
	}
	if err := a.save(ctx); err != nil {
		errs = append(errs, err)
	}
	rs := a.st.RedisByName(name)
	old, next := "the old", "the new"
	if act := rs.Active(); act != nil {
		old = "the " + act.Type
	}
	if rb := a.plan.stack.RedisByName(name); rb != nil {
		next = "the " + rb.Provider
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w\nPutting the targets back on %s backend also failed: %w; check them with `rediskit verify`", cause, old, errors.Join(errs...))
	}
	return fmt.Errorf("%w\nEvery target of redis.%s is back on %s backend, which still serves the app; %s backend is kept as standby. Fix the cause and run `rediskit apply` to try the switch again, or go back with `rediskit migrate --to %s`",
		cause, name, old, next, trimThe(old))
}

// rollbackTarget puts the URL of prev back into target c and returns the
// settings it is then under. A target that this run moved to new settings
// (a Mover) is moved back, so it ends at its previous place with its
// previous URL; any other one gets prev's URL where the stack puts it.
func (a *applier) rollbackTarget(ctx context.Context, c *Change, prev *Instance) (TargetAttrs, error) {
	target, _ := a.e.Registry.Target(c.Type)
	conn := a.connection(prev)
	// A target that restored itself (Cloud Run puts back what it had when
	// the new revision fails) needs no second write.
	if back := withPrevious(target, c, conn); back.Previous != nil {
		if a.holds(ctx, target, back.Previous, prev.URL) && !a.holdsNew(ctx, target, c) {
			return back.Previous, nil
		}
		conn.Previous = c.target.Attrs
		return back.Previous, a.writeTarget(ctx, target, c.Address, back.Previous, conn)
	}
	if a.holds(ctx, target, c.target.Attrs, prev.URL) {
		return c.target.Attrs, nil
	}
	return c.target.Attrs, a.writeTarget(ctx, target, c.Address, c.target.Attrs, conn)
}

// holds reports whether target, under attrs, holds url; a failed read
// counts as not holding it.
func (a *applier) holds(ctx context.Context, target Target, attrs TargetAttrs, url string) bool {
	cur, set, err := target.Read(ctx, attrs)
	return err == nil && set && Fingerprint(a.st.Lineage, cur) == Fingerprint(a.st.Lineage, url)
}

// holdsNew reports whether target c holds the URL of the backend its redis
// block is switching to, where the stack puts it.
func (a *applier) holdsNew(ctx context.Context, target Target, c *Change) bool {
	next := a.instances[c.Redis]
	return next != nil && a.holds(ctx, target, c.target.Attrs, next.URL)
}

func trimThe(s string) string {
	if len(s) > 4 && s[:4] == "the " {
		return s[4:]
	}
	return s
}

// PlanPrune plans deleting every backend kept in state but not serving:
// retained ones left by a provider switch, and standby ones whose switch
// was abandoned.
func (e *Engine) PlanPrune(ctx context.Context, stack *Stack, st *State) (*Plan, error) {
	p := &Plan{Lineage: st.Lineage, Serial: st.Serial, stack: stack, instances: map[string]*Instance{}}
	for _, rs := range st.Redis {
		var rb *RedisBlock
		if stack != nil {
			rb = stack.RedisByName(rs.Name)
		}
		for _, bs := range rs.Backends {
			if bs.Status != BackendRetained && !(bs.Status == BackendStandby && (rb == nil || rb.Provider != bs.Type)) {
				continue
			}
			if rs.PreventDestroy || (rb != nil && rb.PreventDestroy) {
				return nil, preventDestroyError(rs.Name, "prune its retained "+bs.Type+" backend")
			}
			p.Changes = append(p.Changes, &Change{Address: "redis." + rs.Name, Redis: rs.Name, Type: bs.Type, Action: Delete,
				Reason: bs.Status + " since the switch to another backend"})
		}
	}
	return p, nil
}
