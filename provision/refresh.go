package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Refreshed is what the adapters reported about the resources in state (and
// the targets in the stack) at plan time.
type Refreshed struct {
	// Instances by redis name and backend type; a nil entry means the
	// backend was not found (deleted outside rediskit).
	Instances map[string]map[string]*Instance
	// Values of targets, keyed by targetKey.
	Values map[string]TargetValue

	mu sync.Mutex // guards both maps while refreshing in parallel
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

// refreshParallelism bounds how many adapter reads run at once: enough to
// hide API latency for a large stack, few enough to stay inside API rate
// limits.
const refreshParallelism = 16

// Refresh reads every backend recorded in st and every target in the stack
// and in st, in parallel. stack may be nil (destroy without a stack).
func (e *Engine) Refresh(ctx context.Context, stack *Stack, st *State) (*Refreshed, error) {
	r := &Refreshed{Instances: map[string]map[string]*Instance{}, Values: map[string]TargetValue{}}
	var jobs []func(context.Context) error
	for _, rs := range st.Redis {
		for _, bs := range rs.Backends {
			name, bs := rs.Name, bs
			jobs = append(jobs, func(ctx context.Context) error { return e.refreshBackend(ctx, r, name, bs) })
		}
	}
	seen := map[string]bool{}
	addTarget := func(addr, typ string, attrs TargetAttrs) {
		if key := targetKey(typ, attrs); !seen[key] {
			seen[key] = true
			jobs = append(jobs, func(ctx context.Context) error { return e.refreshTarget(ctx, r, addr, typ, attrs) })
		}
	}
	for _, ts := range st.Targets {
		addTarget(ts.Address(), ts.Type, ts.Attrs)
	}
	if stack != nil {
		for _, tb := range stack.Targets {
			addTarget(tb.Address(), tb.Type, tb.Attrs)
		}
	}
	if err := runBounded(ctx, refreshParallelism, jobs); err != nil {
		return nil, err
	}
	e.emit(Event{Type: EventRefresh, Message: fmt.Sprintf("refreshed %s and %s", plural(countBackends(st), "backend"), plural(len(r.Values), "target"))})
	return r, nil
}

// runBounded runs jobs with at most n at a time and returns the error of
// the first failing job in job order, so that the message does not depend
// on timing. Once a job fails, jobs not yet started are skipped.
func runBounded(ctx context.Context, n int, jobs []func(context.Context) error) error {
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, job := range jobs {
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if errs[i] = job(ctx); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
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
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Instances[name] == nil {
		r.Instances[name] = map[string]*Instance{}
	}
	r.Instances[name][bs.Type] = inst
	return nil
}

func (e *Engine) refreshTarget(ctx context.Context, r *Refreshed, addr, typ string, attrs TargetAttrs) error {
	key := targetKey(typ, attrs)
	adapter, ok := e.Registry.Target(typ)
	if !ok {
		return fmt.Errorf("state records target %s of a type this rediskit does not know (known: %s)", addr, strings.Join(e.Registry.TargetTypes(), ", "))
	}
	val, set, err := adapter.Read(ctx, attrs)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("refresh %s: %w", addr, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
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
