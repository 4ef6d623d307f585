package provision

import (
	"context"
	"fmt"
	"time"
)

// ApplyOptions tune one apply.
type ApplyOptions struct {
	// Stop reports whether the user asked to stop (Ctrl-C). Apply checks it
	// between steps, so a step in flight always finishes and is recorded.
	Stop func() bool
	// SkipVerify skips verification (destroy needs none).
	SkipVerify bool
	// Copy, when set, copies the data of the backend a redis block is
	// switching away from into the new one, after the new one is verified
	// and before any target moves (`--copy-data`).
	Copy func(ctx context.Context, from, to *Instance, progress func(string)) error
	// DeleteOld deletes the backend a redis block switched away from once
	// every target points at the new one, instead of retaining it.
	DeleteOld bool
	// DeleteSecrets deletes the secrets an unbound target created
	// (SecretDeleter), which unbinding otherwise leaves.
	DeleteSecrets bool
}

// applier carries one apply's progress.
type applier struct {
	e         *Engine
	plan      *Plan
	st        *State
	opts      ApplyOptions
	instances map[string]*Instance // current instance per redis name
	touched   map[string]bool      // redis names changed in this run
	verified  map[string]bool
	switched  map[string][]*Change // targets moved to a new backend in this run, per redis
}

// Apply carries out plan, writing st after every step. It returns
// ErrInterrupted when opts.Stop asked it to stop between steps.
func (e *Engine) Apply(ctx context.Context, plan *Plan, st *State, opts ApplyOptions) error {
	a := &applier{e: e, plan: plan, st: st, opts: opts, instances: map[string]*Instance{},
		touched: map[string]bool{}, verified: map[string]bool{}, switched: map[string][]*Change{}}
	for name, inst := range plan.instances {
		a.instances[name] = inst
	}
	for _, c := range plan.Changes {
		if opts.Stop != nil && opts.Stop() {
			return ErrInterrupted
		}
		if err := a.step(ctx, c); err != nil {
			return err
		}
	}
	return a.promote(ctx)
}

func (a *applier) step(ctx context.Context, c *Change) error {
	if c.Action == NoOp && (c.IsRedis() || !a.touched[c.Redis]) {
		return nil
	}
	start := time.Now()
	a.e.emit(Event{Type: EventApplyStart, Address: c.Address, Action: c.Action, Message: c.Reason})
	err := a.run(ctx, c)
	elapsed := time.Since(start)
	if err != nil {
		a.e.emit(Event{Type: EventApplyErrored, Address: c.Address, Action: c.Action, Message: err.Error(), Elapsed: elapsed})
		return fmt.Errorf("%s (%s %s): %w", c.Address, c.Action, c.Type, err)
	}
	a.e.emit(Event{Type: EventApplyComplete, Address: c.Address, Action: c.Action, Elapsed: elapsed})
	return nil
}

func (a *applier) run(ctx context.Context, c *Change) error {
	switch c.Action {
	case Create:
		return a.create(ctx, c)
	case Update:
		return a.update(ctx, c)
	case Replace:
		if err := a.deleteBackend(ctx, c.Redis, c.Type); err != nil {
			return err
		}
		return a.create(ctx, c)
	case Delete:
		return a.deleteBackend(ctx, c.Redis, c.Type)
	case Bind, NoOp:
		return a.bind(ctx, c)
	case Unbind:
		return a.unbind(ctx, c)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

func (a *applier) save(ctx context.Context) error {
	a.st.RediskitVersion = a.e.Version
	if err := a.e.Store.Write(ctx, a.st); err != nil {
		return fmt.Errorf("write state to %s: %w", a.e.Store.Describe(), err)
	}
	a.e.boundary("after state write")
	return nil
}

func (a *applier) backendFor(typ string) (Backend, error) {
	b, ok := a.e.Registry.Backend(typ)
	if !ok {
		return nil, fmt.Errorf("backend type %q is not known to this rediskit", typ)
	}
	return b, nil
}

func (a *applier) progress(c *Change) func(string) {
	start := time.Now()
	return func(msg string) {
		a.e.emit(Event{Type: EventApplyProgress, Address: c.Address, Action: c.Action, Message: msg, Elapsed: time.Since(start)})
	}
}

func (a *applier) create(ctx context.Context, c *Change) error {
	rb := a.plan.stack.RedisByName(c.Redis)
	backend, err := a.backendFor(c.Type)
	if err != nil {
		return err
	}
	rs := a.st.EnsureRedis(c.Redis)
	rs.PreventDestroy = rb.PreventDestroy
	bs := rs.Backend(c.Type)
	if bs == nil || bs.Status != BackendCreating {
		rs.RemoveBackend(c.Type)
		bs = &BackendState{Type: c.Type, Status: BackendCreating, CreatedAt: a.e.now()}
		rs.Backends = append(rs.Backends, bs)
	}
	if err := a.save(ctx); err != nil { // the intent, before anything is created
		return err
	}
	a.before("create", backendLabel(c.Redis, c.Type))
	inst, err := backend.Create(ctx, CreateRequest{Name: c.Redis, Spec: rb.Specs[c.Type], Pending: bs.Pending,
		Record: func(p map[string]string) error { bs.Pending = p; return a.save(ctx) }, Progress: a.progress(c),
		Boundary: a.inside(backendLabel(c.Redis, c.Type))})
	a.after("create", backendLabel(c.Redis, c.Type))
	if err != nil {
		return err
	}
	return a.settleBackend(ctx, c, rb, rs, bs, inst, true)
}

// settleBackend records what Create or Update returned, proves the
// backend works (fresh: it was created moments ago) and copies data into
// it when the change asks for that.
func (a *applier) settleBackend(ctx context.Context, c *Change, rb *RedisBlock, rs *RedisState, bs *BackendState, inst *Instance, fresh bool) error {
	a.recordInstance(rs, bs, inst)
	if err := a.save(ctx); err != nil {
		return err
	}
	if err := a.verify(ctx, c, rb, fresh); err != nil {
		return err
	}
	return a.copyData(ctx, c)
}

// recordInstance stores what Create or Update returned. A backend created
// beside a serving one (a provider switch) waits as standby until the
// targets point at it.
func (a *applier) recordInstance(rs *RedisState, bs *BackendState, inst *Instance) {
	bs.ID, bs.Attrs, bs.Pending = inst.ID, inst.Attrs, nil
	bs.URLFingerprint = Fingerprint(a.st.Lineage, inst.URL)
	bs.Status = BackendActive
	for _, other := range rs.Backends {
		if other != bs && other.Status == BackendActive {
			bs.Status = BackendStandby
		}
	}
	a.instances[rs.Name] = inst
	a.touched[rs.Name] = true
}

func (a *applier) update(ctx context.Context, c *Change) error {
	rb := a.plan.stack.RedisByName(c.Redis)
	backend, err := a.backendFor(c.Type)
	if err != nil {
		return err
	}
	rs := a.st.EnsureRedis(c.Redis)
	rs.PreventDestroy = rb.PreventDestroy
	bs := rs.Backend(c.Type)
	inst := a.instances[c.Redis]
	if len(c.Attrs) > 0 {
		a.before("update", backendLabel(c.Redis, c.Type))
		inst, err = backend.Update(ctx, bs.Record(c.Redis), rb.Specs[c.Type])
		a.after("update", backendLabel(c.Redis, c.Type))
		if err != nil {
			return err
		}
	}
	return a.settleBackend(ctx, c, rb, rs, bs, inst, false)
}

func (a *applier) deleteBackend(ctx context.Context, name, typ string) error {
	backend, err := a.backendFor(typ)
	if err != nil {
		return err
	}
	rs := a.st.RedisByName(name)
	if rs == nil || rs.Backend(typ) == nil {
		return nil
	}
	bs := rs.Backend(typ)
	if bs.ID != "" || bs.Status != BackendCreating {
		a.before("delete", backendLabel(name, typ))
		err := backend.Delete(ctx, bs.Record(name))
		a.after("delete", backendLabel(name, typ))
		if err != nil {
			return err
		}
	}
	rs.RemoveBackend(typ)
	a.st.PruneEmpty()
	delete(a.instances, name)
	a.touched[name] = true
	return a.save(ctx)
}
