package provision

import (
	"context"
	"fmt"
	"time"
)

func (a *applier) bind(ctx context.Context, c *Change) error {
	inst := a.instances[c.Redis]
	if inst == nil {
		return fmt.Errorf("redis.%s has no running backend to point at; run `rediskit plan` to see why", c.Redis)
	}
	if err := a.verify(ctx, c, a.plan.stack.RedisByName(c.Redis), false); err != nil {
		return err
	}
	target, ok := a.e.Registry.Target(c.Type)
	if !ok {
		return fmt.Errorf("target type %q is not known to this rediskit", c.Type)
	}
	want := Fingerprint(a.st.Lineage, inst.URL)
	conn := a.withPending(ctx, c, a.connection(inst))
	cur, set, err := target.Read(ctx, c.target.Attrs)
	// A move always writes, even when the new place already holds the
	// value (an earlier run stopped after its write): the old place must
	// still be cleared.
	if err != nil || !set || Fingerprint(a.st.Lineage, cur) != want || len(conn.Pending) > 0 || c.moves() {
		if err := a.writeTarget(ctx, target, c.Address, c.target.Attrs, withPrevious(target, c, conn)); err != nil {
			if a.switching(c.Redis) {
				return a.rollbackTargets(ctx, c.Redis, c, err)
			}
			return err
		}
		if a.switching(c.Redis) {
			a.switched[c.Redis] = append(a.switched[c.Redis], c)
		}
	}
	a.st.PutTarget(&TargetState{Type: c.Type, Name: c.target.Name, Redis: c.Redis, Attrs: c.target.Attrs,
		URLFingerprint: want, WrittenAt: a.e.now()})
	return a.save(ctx)
}

// moves reports whether the bind moves the value from the place state
// records (prior) to the one the stack names.
func (c *Change) moves() bool { return c.target != nil && c.prior != nil }

// withPrevious gives a Mover the settings a moving target's value is to
// leave. Any other target only writes the new place (see Mover).
func withPrevious(target Target, c *Change, conn Connection) Connection {
	if _, ok := target.(Mover); ok && c.moves() {
		conn.Previous = c.prior.Attrs
	}
	return conn
}

// connection is what targets receive for inst.
func (a *applier) connection(inst *Instance) Connection {
	p := a.placementOf(inst)
	return Connection{URL: inst.URL, CACert: inst.CACert, Private: inst.Private, Network: p.Network}
}

func (a *applier) unbind(ctx context.Context, c *Change) error {
	target, ok := a.e.Registry.Target(c.Type)
	if !ok {
		return fmt.Errorf("target type %q is not known to this rediskit", c.Type)
	}
	if err := a.removeTarget(ctx, target, c.Address, c.prior.Attrs); err != nil {
		return err
	}
	if err := a.deleteSecrets(ctx, target, c.Address, c.prior.Attrs); err != nil {
		return err
	}
	a.st.RemoveTarget(c.prior.Type, c.prior.Name)
	return a.save(ctx)
}

// verify proves the redis block's backend works before anything points at
// it, once per run. A backend created moments ago gets a few tries, since
// DNS and TLS may still be settling.
func (a *applier) verify(ctx context.Context, c *Change, rb *RedisBlock, fresh bool) error {
	if a.opts.SkipVerify || a.verified[rb.Name] {
		return nil
	}
	inst := a.instances[rb.Name]
	opts := VerifyOptions{Channels: rb.Verify.Channels, PubSub: rb.Verify.PubSub}
	attempts := 1
	if fresh {
		attempts = 3
	}
	var res *VerifyResult
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := Sleep(ctx, time.Duration(i)*time.Second); err != nil {
				return err
			}
		}
		if res = Verify(ctx, inst, opts); res.Passed || res.Unreachable || !transientFailure(res.Failure) {
			break
		}
	}
	a.e.emit(Event{Type: EventVerify, Address: rb.Address(), Message: res.Summary(), Verify: res})
	if !res.Passed && !res.Unreachable {
		return fmt.Errorf("verification failed, so no target was changed: %w", res.Err)
	}
	a.verified[rb.Name] = true
	if bs := a.st.RedisByName(rb.Name).Backend(rb.Provider); bs != nil && res.Passed {
		bs.VerifiedAt = a.e.now()
		return a.save(ctx)
	}
	return nil
}

func transientFailure(failure string) bool {
	switch failure {
	case "refused", "timeout", "tls", "connect":
		return true
	}
	return false
}

// promote makes a standby backend active once every target of its redis
// block points at it, and keeps the one it replaces as retained, for
// rollback with `rediskit migrate` or removal with `rediskit prune` (or
// deletes it at once with DeleteOld).
func (a *applier) promote(ctx context.Context) error {
	if a.plan.stack == nil {
		return nil
	}
	for _, rb := range a.plan.stack.Redis {
		rs := a.st.RedisByName(rb.Name)
		if rs == nil {
			continue
		}
		next := rs.Backend(rb.Provider)
		if next == nil || next.Status != BackendStandby || !a.allTargetsOn(rb.Name, next.URLFingerprint) {
			continue
		}
		var retired []string
		for _, old := range rs.Backends {
			if old != next && old.Status == BackendActive {
				old.Status = BackendRetained
				retired = append(retired, old.Type)
			}
		}
		next.Status = BackendActive
		if err := a.save(ctx); err != nil {
			return err
		}
		if err := a.retire(ctx, rs, next.Type, retired); err != nil {
			return err
		}
	}
	return nil
}

// retire tells what became of the backends a finished switch replaced:
// retained, or deleted with DeleteOld.
func (a *applier) retire(ctx context.Context, rs *RedisState, now string, retired []string) error {
	for _, typ := range retired {
		if !a.opts.DeleteOld {
			a.e.emit(Event{Type: EventWarning, Address: "redis." + rs.Name, Message: fmt.Sprintf(
				"now served by %s; the %s backend is retained for rollback (`rediskit migrate --to %s`), `rediskit prune` deletes it", now, typ, typ)})
			continue
		}
		if rs.PreventDestroy {
			return preventDestroyError(rs.Name, "delete its old "+typ+" backend (--delete-old)")
		}
		c := &Change{Address: "redis." + rs.Name, Redis: rs.Name, Type: typ, Action: Delete, Reason: "--delete-old"}
		if err := a.step(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) allTargetsOn(name, fingerprint string) bool {
	for _, ts := range a.st.Targets {
		if ts.Redis == name && ts.URLFingerprint != fingerprint {
			return false
		}
	}
	return true
}
