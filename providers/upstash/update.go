package upstash

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rediskit/rediskit/provision"
)

// replaceNote warns that a replacement loses the data.
const replaceNote = "replacing deletes the database and its data; use `rediskit migrate` with --copy-data to move data"

// Diff compares the stack's block with the database as last read. The name,
// eviction, budget, read regions and a move between the free plan and a paid
// one change in place; a new primary region or platform forces a replace.
func (b *Backend) Diff(want provision.Spec, have *provision.Instance) []provision.AttrChange {
	s, ok := want.(*Spec)
	if !ok || s == nil || have == nil {
		return nil
	}
	a := have.Attrs
	var out []provision.AttrChange
	change := func(name, old, new string, replace bool, note string) {
		if old != new {
			out = append(out, provision.AttrChange{Name: name, Old: old, New: new, ForcesReplace: replace, Note: note})
		}
	}
	change("primary_region", a["primary_region"], s.PrimaryRegion, true, replaceNote)
	change("platform", a["platform"], s.Platform, true, replaceNote)
	change("database_name", a["database_name"], s.Name, false, "")
	change("read_regions", joinRegions(splitRegions(a["read_regions"])), joinRegions(s.ReadRegions), false, "")
	change("eviction", a["eviction"], strconv.FormatBool(s.Eviction), false, "")
	if s.Budget != nil {
		change("budget", a["budget"], strconv.Itoa(*s.Budget), false, "")
	}
	if planChanges(a["type"], s.Plan) {
		change("plan", a["type"], s.Plan, false, "changes what Upstash bills; see https://upstash.com/pricing")
	}
	return out
}

// planChanges reports whether the wanted plan differs from the database's
// type. The API's type ("free", "payg", "pro", "paid") does not name a fixed
// plan, so only a move onto or off the free plan is detectable.
func planChanges(haveType, wantPlan string) bool {
	if wantPlan == "" || haveType == "" {
		return false
	}
	return (haveType == "free") != (wantPlan == "free")
}

// Update makes the in-place changes Diff reports, judged against a fresh
// read, and returns the database afterwards.
func (b *Backend) Update(ctx context.Context, rec provision.Record, want provision.Spec) (*provision.Instance, error) {
	s, ok := want.(*Spec)
	if !ok || s == nil {
		return nil, fmt.Errorf("upstash: Update got a %T spec; this is a bug in rediskit, please report it", want)
	}
	c, err := b.client()
	if err != nil {
		return nil, err
	}
	db, err := readDatabase(ctx, c, rec.ID)
	if err != nil {
		return nil, err
	}
	if have := primaryRegionOf(db); have != s.PrimaryRegion {
		return nil, fmt.Errorf("upstash: database %s is in %s and cannot move to %s in place; %s", db.ID, have, s.PrimaryRegion, replaceNote)
	}
	for _, step := range updateSteps(db, s) {
		if err := step(ctx, c); err != nil {
			return nil, err
		}
	}
	db, err = readDatabase(ctx, c, rec.ID)
	if err != nil {
		return nil, err
	}
	return instanceFrom(db)
}

type updateStep func(context.Context, *client) error

// updateSteps lists the API calls that take db to s.
func updateSteps(db *Database, s *Spec) []updateStep {
	id := db.ID
	var steps []updateStep
	if db.DisplayName() != s.Name {
		steps = append(steps, func(ctx context.Context, c *client) error { return c.renameDatabase(ctx, id, s.Name) })
	}
	if bool(db.Eviction) != s.Eviction {
		steps = append(steps, func(ctx context.Context, c *client) error { return c.setEviction(ctx, id, s.Eviction) })
	}
	if s.Budget != nil && int64(db.Budget) != int64(*s.Budget) {
		steps = append(steps, func(ctx context.Context, c *client) error { return c.updateBudget(ctx, id, *s.Budget) })
	}
	if !sameRegions(db.ReadRegions, s.ReadRegions) {
		steps = append(steps, func(ctx context.Context, c *client) error { return c.updateRegions(ctx, id, s.ReadRegions) })
	}
	if planChanges(db.Type, s.Plan) {
		steps = append(steps, func(ctx context.Context, c *client) error { return c.changePlan(ctx, id, s.Plan) })
	}
	return steps
}
