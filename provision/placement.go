package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Placement says where a backend's Redis can be reached from. A backend
// that implements Placer knows it from its spec, before the backend exists,
// so that a target can refuse at plan time to point an app at a Redis it
// could never reach.
type Placement struct {
	// Private marks a backend that only its own VPC network reaches.
	Private bool
	// Network is that network's full name, projects/P/global/networks/N.
	Network string
	// Project and Region are where the backend lives.
	Project, Region string
}

// Placer is optionally implemented by a Backend whose instances live on a
// private network (Memorystore).
type Placer interface {
	// Placement returns where instances of spec live. It makes no call.
	Placement(spec Spec) Placement
}

// PlacementChecker is optionally implemented by a Target that must be able
// to reach its backend (a Cloud Run service needs VPC egress to a private
// Redis).
type PlacementChecker interface {
	// CheckPlacement is called at plan time for each target the plan
	// writes, with the placement of its redis block's backend (the zero
	// Placement when that backend is no Placer). It may read the target but
	// changes nothing. A problem the stack must fix is returned as an
	// *hcl.Diagnostic, which the engine points at the target block when it
	// has no Subject.
	CheckPlacement(ctx context.Context, attrs TargetAttrs, p Placement) error
}

// checkPlacements asks every target the plan binds whether it can reach its
// backend, collecting the diagnostics of all of them.
func (e *Engine) checkPlacements(ctx context.Context, p *Plan) error {
	var diags hcl.Diagnostics
	for _, c := range p.Changes {
		if c.Action != Bind || c.target == nil {
			continue
		}
		t, _ := e.Registry.Target(c.Type)
		checker, ok := t.(PlacementChecker)
		if !ok {
			continue
		}
		err := checker.CheckPlacement(ctx, c.target.Attrs, e.placement(p.stack.RedisByName(c.Redis), ""))
		var d *hcl.Diagnostic
		switch {
		case err == nil:
		case errors.As(err, &d):
			copied := *d
			if copied.Subject == nil {
				copied.Subject = c.target.DefRange.Ptr()
			}
			diags = append(diags, &copied)
		default:
			return fmt.Errorf("%s: %w", c.Address, err)
		}
	}
	if diags.HasErrors() {
		return diags
	}
	return nil
}

// placement returns where the typ backend of rb lives (the active one when
// typ is ""), from its spec.
func (e *Engine) placement(rb *RedisBlock, typ string) Placement {
	if rb == nil {
		return Placement{}
	}
	if typ == "" {
		typ = rb.Provider
	}
	if placer, ok := e.Registry.backends[typ].(Placer); ok && rb.Specs[typ] != nil {
		return placer.Placement(rb.Specs[typ])
	}
	return Placement{}
}

// placementOf finds the backend inst belongs to (the current one of a redis
// block, or one that state records with the same URL, such as the backend a
// switch moves away from) and returns its placement.
func (a *applier) placementOf(inst *Instance) Placement {
	if a.plan.stack == nil || inst == nil {
		return Placement{}
	}
	for _, rb := range a.plan.stack.Redis {
		if a.instances[rb.Name] == inst {
			return a.e.placement(rb, "")
		}
	}
	fp := Fingerprint(a.st.Lineage, inst.URL)
	for _, rs := range a.st.Redis {
		for _, bs := range rs.Backends {
			if fp != "" && bs.URLFingerprint == fp {
				return a.e.placement(a.plan.stack.RedisByName(rs.Name), bs.Type)
			}
		}
	}
	return Placement{}
}
