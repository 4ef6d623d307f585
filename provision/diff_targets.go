package provision

import "maps"

func diffTargets(stack *Stack, st *State, r *Refreshed, p *Plan, reg *Registry) []*Change {
	var cs []*Change
	for _, tb := range stack.Targets {
		cs = append(cs, bindChange(tb, st.Target(tb.Type, tb.Name), st, r, p, reg))
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
	if ts != nil && !maps.Equal(ts.Attrs, tb.Attrs) {
		return moveChange(c, ts, p, reg)
	}
	inst := p.instances[tb.Redis]
	if inst == nil || redisChanges(p, tb.Redis) {
		c.Reason = unknownURL(tb.Redis)
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

func unknownURL(redis string) string { return "the URL of redis." + redis + " is known after apply" }

// moveChange plans a target whose settings changed since state recorded
// them as one bind that carries the settings it had (prior), so that apply
// moves the value (Connection.Previous) instead of unbinding it first. The
// state record keeps the old settings, and any pending data, until the move
// succeeds, so a move that was interrupted is planned as a move again.
func moveChange(c *Change, ts *TargetState, p *Plan, reg *Registry) *Change {
	c.prior = ts
	from, to := describePlace(reg, ts.Type, ts.Attrs), describePlace(reg, c.Type, c.target.Attrs)
	t, _ := reg.Target(c.Type)
	switch m, ok := t.(Mover); {
	case !ok:
		c.Reason = "settings changed: written to " + to
		c.Warnings = append(c.Warnings, c.Type+" targets leave the place their old settings named ("+from+") as it is: "+
			"if that is another place than the new one, remove the value there by hand once the app reads it from "+to)
	case m.MovesInOneChange(ts.Attrs, c.target.Attrs):
		c.Reason = "settings changed: moves from " + from + " to " + to + " in one change"
	default:
		c.Reason = "settings changed: moves from " + from + " to " + to + ", written to " + to + " first and then removed from " + from
	}
	if inst := p.instances[c.Redis]; inst != nil && !redisChanges(p, c.Redis) {
		c.URL = MaskURL(inst.URL)
	} else {
		c.Reason += "; " + unknownURL(c.Redis)
	}
	if len(ts.Pending) > 0 {
		c.Reason = pendingReason(ts.Pending) + "; " + c.Reason
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

// describePlace is describeTarget, or the settings themselves for a target
// that does not describe itself.
func describePlace(reg *Registry, typ string, attrs TargetAttrs) string {
	if d := describeTarget(reg, typ, attrs); d != "" {
		return d
	}
	var b []byte
	for i, k := range sortedKeys(attrs) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, k+" = "+attrs[k]...)
	}
	return "{" + string(b) + "}"
}
