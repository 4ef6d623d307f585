package cmd

import (
	"context"

	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
)

// Roles of a backend in a plan's cost section, as it will be after apply.
const (
	roleActive   = "active"
	roleRetained = "retained"
)

// planCost is a plan's monthly cost estimate: every backend that will exist
// after apply, with what each redis block's app uses.
type planCost struct {
	Rows     []costRow
	Demands  []blockDemand
	Warnings []costWarning
	AsOf     string
}

// blockDemand is one redis block's usage, shown once above its rows.
type blockDemand struct {
	Address string
	appDemand
}

// costRow is one backend's estimate.
type costRow struct {
	Address  string
	Provider string
	Role     string
	Estimate cost.Estimate
	// Before is, for a provider switch, the backend serving the app now,
	// priced for the same usage.
	Before *cost.Estimate
	// BeforeProvider is Before's backend type.
	BeforeProvider string
}

// hasPaid reports whether any row is a provider that can cost money; a
// stack of local backends gets no cost section in the human view.
func (pc *planCost) hasPaid() bool {
	for _, r := range pc.Rows {
		if r.Provider != cost.Local {
			return true
		}
	}
	return false
}

// showPlanCost adds the cost estimate to a plan's output. It never fails
// the command: a problem becomes a warning.
func (a *app) showPlanCost(ctx context.Context, stack *provision.Stack, reg *provision.Registry, st *provision.State, plan *provision.Plan) {
	if plan.Destroy {
		return
	}
	prices, err := cost.LoadPrices()
	if err != nil {
		a.warn(err.Error())
		return
	}
	a.view().PlanCost(buildPlanCost(ctx, prices, reg, stack, st, plan))
}

// buildPlanCost prices every backend of every redis block in stack as it
// will be after plan is applied.
func buildPlanCost(ctx context.Context, prices *cost.Prices, reg *provision.Registry, stack *provision.Stack, st *provision.State, plan *provision.Plan) *planCost {
	pc := &planCost{AsOf: pricesAsOf(prices)}
	for _, rb := range stack.Redis {
		pc.addBlock(ctx, prices, reg, rb, st.RedisByName(rb.Name), redisChange(plan, rb))
	}
	return pc
}

// redisChange finds the plan's change for rb's active backend.
func redisChange(plan *provision.Plan, rb *provision.RedisBlock) *provision.Change {
	for _, c := range plan.Changes {
		if c.IsRedis() && c.Address == rb.Address() && c.Type == rb.Provider {
			return c
		}
	}
	return &provision.Change{Action: provision.NoOp}
}

func (pc *planCost) addBlock(ctx context.Context, prices *cost.Prices, reg *provision.Registry, rb *provision.RedisBlock, rs *provision.RedisState, change *provision.Change) {
	// Measuring is one API call, worth it only when the backend that
	// serves the app exists: not when the plan has to create it.
	gone := change.Action == provision.Create && change.From == ""
	d := demandFor(ctx, rb, rs, reg, !gone)
	pc.Demands = append(pc.Demands, blockDemand{Address: rb.Address(), appDemand: d})
	pc.Warnings = append(pc.Warnings, d.Warnings...)

	active := backendOf(reg, rb, rs, rb.Provider)
	row := costRow{Address: rb.Address(), Provider: rb.Provider, Role: roleActive, Estimate: prices.Estimate(active, d.Demand)}
	if change.From != "" {
		before := prices.Estimate(backendOf(reg, rb, rs, change.From), d.Demand)
		row.Before, row.BeforeProvider = &before, change.From
	}
	pc.Rows = append(pc.Rows, row)
	pc.Warnings = append(pc.Warnings, warningsFor(rb.Address(), prices.Warnings(active, d.Demand, d.Usage))...)
	if rs == nil {
		return
	}
	// Every other backend is retained after apply and serves no traffic.
	idle := cost.Demand{CommandsKnown: true, StorageGB: d.Demand.StorageGB}
	for _, bs := range rs.Backends {
		if bs.Type == rb.Provider {
			continue
		}
		e := prices.Estimate(backendOf(reg, rb, rs, bs.Type), idle)
		pc.Rows = append(pc.Rows, costRow{Address: rb.Address(), Provider: bs.Type, Role: roleRetained, Estimate: e})
		if w, ok := cost.RetainedWarning(bs.Type, e); ok {
			pc.Warnings = append(pc.Warnings, costWarning{Address: rb.Address(), Kind: w.Kind, Message: w.Message})
		}
	}
}
