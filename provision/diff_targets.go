package provision

import "maps"

func diffTargets(stack *Stack, st *State, r *Refreshed, p *Plan, reg *Registry) []*Change {
	var cs []*Change
	for _, tb := range stack.Targets {
		ts := st.Target(tb.Type, tb.Name)
		if ts != nil && !maps.Equal(ts.Attrs, tb.Attrs) {
			c := unbindChange(ts, "settings changed: the value moves to the new place", reg)
			cs = append(cs, c)
			ts = nil
		}
		cs = append(cs, bindChange(tb, ts, st, r, p, reg))
	}
	for _, ts := range st.Targets {
		if stackTarget(stack, ts) == nil {
			cs = append(cs, unbindChange(ts, "not in the stack", reg))
		}
	}
	return cs
}

func stackTarget(stack *Stack, ts *TargetState) *TargetBlock {
	for _, tb := range stack.Targets {
		if tb.Type == ts.Type && tb.Name == ts.Name {
			return tb
		}
	}
	return nil
}

func bindChange(tb *TargetBlock, ts *TargetState, st *State, r *Refreshed, p *Plan, reg *Registry) *Change {
	c := &Change{Address: tb.Address(), Type: tb.Type, Action: Bind, Redis: tb.Redis, target: tb,
		Describe: describeTarget(reg, tb.Type, tb.Attrs)}
	inst := p.instances[tb.Redis]
	if inst == nil || redisChanges(p, tb.Redis) {
		c.Reason = "the URL of redis." + tb.Redis + " is known after apply"
		if ts == nil {
			c.Reason = "not in state; " + c.Reason
		}
		return c
	}
	c.URL = MaskURL(inst.URL)
	want := Fingerprint(st.Lineage, inst.URL)
	cur := r.Values[targetKey(tb.Type, tb.Attrs)]
	have := ""
	if cur.Set {
		have = Fingerprint(st.Lineage, cur.Value)
	}
	switch {
	case have == want && ts != nil && ts.Redis == tb.Redis:
		c.Action, c.Reason = NoOp, "up to date"
	case ts == nil:
		c.Reason = "not in state"
	case !cur.Set:
		c.Reason, c.Drift = "value missing", "removed outside rediskit"
	case have != ts.URLFingerprint:
		c.Reason, c.Drift = "value differs from what rediskit wrote", "target value changed outside rediskit"
	default:
		c.Reason = "redis." + tb.Redis + " has a new URL"
	}
	if ts != nil && len(ts.Pending) > 0 {
		c.Action, c.Reason = Bind, pendingReason(ts.Pending)
	}
	return c
}

// redisChanges reports whether the plan recreates the redis block's backend,
// so its URL is not known yet.
func redisChanges(p *Plan, name string) bool {
	for _, c := range p.Changes {
		if c.IsRedis() && c.Redis == name && (c.Action == Create || c.Action == Replace) {
			return true
		}
	}
	return false
}

func unbindChange(ts *TargetState, reason string, reg *Registry) *Change {
	return &Change{Address: ts.Address(), Type: ts.Type, Action: Unbind, Reason: reason, Redis: ts.Redis, prior: ts,
		Describe: describeTarget(reg, ts.Type, ts.Attrs)}
}

func describeTarget(reg *Registry, typ string, attrs TargetAttrs) string {
	if t, ok := reg.Target(typ); ok {
		if d, ok := t.(Describer); ok {
			return d.Describe(attrs)
		}
	}
	return ""
}
