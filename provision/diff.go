package provision

import (
	"fmt"
	"strings"
)

// Diff computes the plan that makes reality, as refreshed, match the stack.
// It makes no calls; everything it needs is in st and r.
func Diff(stack *Stack, st *State, r *Refreshed, reg *Registry) (*Plan, error) {
	p := &Plan{Lineage: st.Lineage, Serial: st.Serial, stack: stack, instances: map[string]*Instance{}, previous: map[string]*Instance{}}
	for _, rb := range stack.Redis {
		c, err := diffRedis(rb, st, r, reg)
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, c)
		if inst, ok := r.instance(rb.Name, c.From); ok && inst != nil && c.From != "" {
			p.previous[rb.Name] = inst
		}
		if inst, ok := r.instance(rb.Name, rb.Provider); ok && inst != nil && c.Action != Replace {
			p.instances[rb.Name] = inst
		}
	}
	for _, rs := range st.Redis {
		if stack.RedisByName(rs.Name) == nil {
			cs, err := deleteRedis(rs, nil, "not in the stack")
			if err != nil {
				return nil, err
			}
			p.Changes = append(p.Changes, cs...)
		}
	}
	p.Changes = append(p.Changes, diffTargets(stack, st, r, p, reg)...)
	sortChanges(p.Changes)
	return p, nil
}

func diffRedis(rb *RedisBlock, st *State, r *Refreshed, reg *Registry) (*Change, error) {
	adapter, _ := reg.Backend(rb.Provider)
	c := &Change{Address: rb.Address(), Type: rb.Provider, Redis: rb.Name, Describe: describeBackend(adapter, rb.Specs[rb.Provider])}
	var rs *RedisState
	if rs = st.RedisByName(rb.Name); rs != nil {
		if old := rs.Active(); old != nil && old.Type != rb.Provider {
			c.From = old.Type
		}
	}
	var bs *BackendState
	if rs != nil {
		bs = rs.Backend(rb.Provider)
	}
	switch {
	case bs == nil:
		c.Action, c.Reason = Create, "not in state"
		if c.From != "" {
			c.Reason = fmt.Sprintf("provider changed from %s to %s", c.From, rb.Provider)
		}
		return c, nil
	case bs.Status == BackendCreating:
		c.Action, c.Reason = Create, "resuming a create that was interrupted"
		return c, nil
	}
	inst, _ := r.instance(rb.Name, rb.Provider)
	if inst == nil {
		c.Action, c.Reason, c.Drift = Create, "recorded in state but gone", "deleted outside rediskit"
		return c, nil
	}
	c.Attrs = adapter.Diff(rb.Specs[rb.Provider], inst)
	c.Action, c.Reason = actionFor(c.Attrs)
	c.Drift = driftNotes(c.Attrs)
	if c.From != "" {
		c.Reason = fmt.Sprintf("switch from %s to the %s backend kept in state", c.From, bs.Type)
		if c.Action == NoOp {
			c.Action = Update
		}
	}
	if c.Action == Replace && (rb.PreventDestroy || rs.PreventDestroy) {
		return nil, preventDestroyError(rb.Name, "replace it ("+c.Reason+")")
	}
	if c.Action == Replace {
		c.Warnings = append(c.Warnings, "replacing deletes the current database and its data; to move the data, use `rediskit migrate` with --copy-data")
	}
	return c, nil
}

func describeBackend(adapter Backend, spec Spec) string {
	if d, ok := adapter.(interface{ Describe(Spec) string }); ok {
		return d.Describe(spec)
	}
	return ""
}

func actionFor(attrs []AttrChange) (Action, string) {
	if len(attrs) == 0 {
		return NoOp, "up to date"
	}
	var names []string
	replace := false
	for _, a := range attrs {
		names = append(names, a.Name)
		replace = replace || a.ForcesReplace
	}
	reason := strings.Join(names, ", ") + " changed"
	if replace {
		return Replace, reason + " (cannot be changed in place)"
	}
	return Update, reason
}

func driftNotes(attrs []AttrChange) string {
	var notes []string
	for _, a := range attrs {
		if a.Note != "" {
			notes = append(notes, a.Note)
		}
	}
	return strings.Join(notes, "; ")
}

func preventDestroyError(name, what string) error {
	return fmt.Errorf("redis.%s has lifecycle { prevent_destroy = true }, so rediskit will not %s; remove prevent_destroy from the stack and apply first if you really mean it", name, what)
}

// deleteRedis plans the deletion of every backend recorded for rs.
func deleteRedis(rs *RedisState, rb *RedisBlock, reason string) ([]*Change, error) {
	if rs.PreventDestroy || (rb != nil && rb.PreventDestroy) {
		return nil, preventDestroyError(rs.Name, "delete it")
	}
	var cs []*Change
	for _, bs := range rs.Backends {
		if bs.Status == BackendCreating && len(bs.Pending) > 0 {
			// The provider may still be creating it: dropping the record
			// would orphan a database nobody deletes.
			return nil, fmt.Errorf("redis.%s: a %s create is still in progress; run `rediskit apply` to finish it (it re-attaches to the recorded operation), then delete it", rs.Name, bs.Type)
		}
		cs = append(cs, &Change{Address: "redis." + rs.Name, Type: bs.Type, Action: Delete, Reason: reason, Redis: rs.Name})
	}
	return cs, nil
}

// DiffDestroy plans removing everything st records: targets are unbound,
// then every backend (active or retained) is deleted.
func DiffDestroy(stack *Stack, st *State, r *Refreshed, reg *Registry) (*Plan, error) {
	p := &Plan{Destroy: true, Lineage: st.Lineage, Serial: st.Serial, stack: stack, instances: map[string]*Instance{}}
	for _, ts := range st.Targets {
		p.Changes = append(p.Changes, unbindChange(ts, "destroy", reg))
	}
	for _, rs := range st.Redis {
		var rb *RedisBlock
		if stack != nil {
			rb = stack.RedisByName(rs.Name)
		}
		cs, err := deleteRedis(rs, rb, "destroy")
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, cs...)
	}
	sortChanges(p.Changes)
	return p, nil
}
