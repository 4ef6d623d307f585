package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Refreshed is what the adapters reported about the resources in state (and
// the targets in the stack) at plan time.
type Refreshed struct {
	// Instances by redis name and backend type; a nil entry means the
	// backend was not found (deleted outside rediskit).
	Instances map[string]map[string]*Instance
	// Values of targets, keyed by targetKey.
	Values map[string]TargetValue
}

// TargetValue is a target's current value.
type TargetValue struct {
	Value string
	Set   bool
}

func (r *Refreshed) instance(name, typ string) (*Instance, bool) {
	inst, ok := r.Instances[name][typ]
	return inst, ok
}

// targetKey identifies a target together with its settings, since a target
// whose path changed must be read at both places.
func targetKey(typ string, attrs TargetAttrs) string {
	keys := sortedKeys(attrs)
	var b strings.Builder
	b.WriteString(typ)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, attrs[k])
	}
	return b.String()
}

// Refresh reads every backend recorded in st and every target in the stack
// and in st. stack may be nil (destroy without a stack).
func (e *Engine) Refresh(ctx context.Context, stack *Stack, st *State) (*Refreshed, error) {
	r := &Refreshed{Instances: map[string]map[string]*Instance{}, Values: map[string]TargetValue{}}
	for _, rs := range st.Redis {
		for _, bs := range rs.Backends {
			if err := e.refreshBackend(ctx, r, rs.Name, bs); err != nil {
				return nil, err
			}
		}
	}
	for _, ts := range st.Targets {
		if err := e.refreshTarget(ctx, r, ts.Address(), ts.Type, ts.Attrs); err != nil {
			return nil, err
		}
	}
	if stack != nil {
		for _, tb := range stack.Targets {
			if err := e.refreshTarget(ctx, r, tb.Address(), tb.Type, tb.Attrs); err != nil {
				return nil, err
			}
		}
	}
	e.emit(Event{Type: EventRefresh, Message: fmt.Sprintf("refreshed %s and %s", plural(countBackends(st), "backend"), plural(len(r.Values), "target"))})
	return r, nil
}

func countBackends(st *State) int {
	n := 0
	for _, rs := range st.Redis {
		n += len(rs.Backends)
	}
	return n
}

func (e *Engine) refreshBackend(ctx context.Context, r *Refreshed, name string, bs *BackendState) error {
	if bs.Status == BackendCreating && bs.ID == "" {
		return nil // nothing to read yet: the create is resumed by apply
	}
	adapter, ok := e.Registry.Backend(bs.Type)
	if !ok {
		return fmt.Errorf("state records a %s backend for redis.%s, which this rediskit does not know; use the rediskit version that created it (known: %s)",
			bs.Type, name, strings.Join(e.Registry.BackendTypes(), ", "))
	}
	inst, err := adapter.Read(ctx, bs.Record(name))
	if errors.Is(err, ErrNotFound) {
		inst, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("refresh redis.%s (%s %s): %w", name, bs.Type, bs.ID, err)
	}
	if r.Instances[name] == nil {
		r.Instances[name] = map[string]*Instance{}
	}
	r.Instances[name][bs.Type] = inst
	return nil
}

func (e *Engine) refreshTarget(ctx context.Context, r *Refreshed, addr, typ string, attrs TargetAttrs) error {
	key := targetKey(typ, attrs)
	if _, done := r.Values[key]; done {
		return nil
	}
	adapter, ok := e.Registry.Target(typ)
	if !ok {
		return fmt.Errorf("state records target %s of a type this rediskit does not know (known: %s)", addr, strings.Join(e.Registry.TargetTypes(), ", "))
	}
	val, set, err := adapter.Read(ctx, attrs)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("refresh %s: %w", addr, err)
	}
	r.Values[key] = TargetValue{Value: val, Set: set && err == nil}
	return nil
}

// sortChanges orders a plan so that it can be applied top to bottom: targets
// are unbound first, then backends created or changed, then targets bound,
// and backends deleted last, once nothing points at them.
func sortChanges(cs []*Change) {
	rank := func(c *Change) int {
		switch {
		case c.Action == Unbind:
			return 0
		case c.IsRedis() && c.Action != Delete:
			return 1
		case !c.IsRedis():
			return 2
		}
		return 3
	}
	sort.SliceStable(cs, func(i, j int) bool { return rank(cs[i]) < rank(cs[j]) })
}

// TargetValue returns the value read for a target with these settings.
func (r *Refreshed) TargetValue(typ string, attrs TargetAttrs) TargetValue {
	return r.Values[targetKey(typ, attrs)]
}

// plural writes "1 backend" or "2 backends".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
