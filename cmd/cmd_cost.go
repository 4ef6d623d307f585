package cmd

import (
	"context"
	"fmt"

	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type costOptions struct {
	stack string
	// What-if figures; negative means not given.
	workers          int
	commandsPerMonth int64
	memoryGB         float64
}

func newCostCmd(a *app) *cobra.Command {
	opts := &costOptions{}
	c := &cobra.Command{
		Use:   "cost [STACK]",
		Short: "Compare what each provider would cost a month for this stack's usage",
		Long: `cost prices every option for each redis block: Upstash free, pay-as-you-go and
the smallest fixed plan that holds the data, Memorystore Basic and Standard at
the configured size, and a local Redis. It marks the cheapest, says at what
volume switching pays off, and warns where money is about to be lost.

Usage comes from Upstash's own statistics when the block is served by an
Upstash database (one API call), else from the block's usage { } settings.
The flags ask "what if": they replace those figures. Prices are shipped with
rediskit (see docs/cost-model.md); nothing else is fetched.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.stack = stackPath(args)
			return runCost(c.Context(), a, opts)
		},
	}
	f := c.Flags()
	f.IntVar(&opts.workers, "workers", -1, "what if this many consumer processes were always receiving")
	f.Int64Var(&opts.commandsPerMonth, "commands-per-month", -1, "what if the app sent this many billable commands a month")
	f.Float64Var(&opts.memoryGB, "memory-gb", -1, "what if the data needed this many GB (Memorystore's size, Upstash's storage)")
	return c
}

func runCost(ctx context.Context, a *app, opts *costOptions) error {
	if opts.workers < -1 || opts.commandsPerMonth < -1 || opts.memoryGB < -1 {
		return fmt.Errorf("--workers, --commands-per-month and --memory-gb take a number of 0 or more")
	}
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	prices, err := cost.LoadPrices()
	if err != nil {
		return err
	}
	st, err := a.readStateUnlocked(ctx, stack)
	if err != nil {
		return err
	}
	rep := &costReport{AsOf: pricesAsOf(prices)}
	for _, rb := range stack.Redis {
		rep.Sections = append(rep.Sections, costSectionFor(ctx, prices, stack, reg, st.RedisByName(rb.Name), rb, opts))
	}
	a.costView().Cost(rep)
	return nil
}

// readStateUnlocked reads the state without taking the lock: cost changes
// nothing, and a state written atomically can be read while someone else
// holds the lock.
func (a *app) readStateUnlocked(ctx context.Context, stack *provision.Stack) (*provision.State, error) {
	store, err := a.stateStore(stack.State)
	if err != nil {
		return nil, err
	}
	st, err := store.Read(ctx)
	if err != nil {
		return nil, err
	}
	if st == nil {
		st = provision.NewState("")
	}
	return st, nil
}

// costReport is `rediskit cost`'s output: one comparison per redis block.
type costReport struct {
	Sections []costSection
	AsOf     string
}

// costSection compares the options for one redis block.
type costSection struct {
	Address string
	appDemand
	Comparison cost.Comparison
	// Role names the option marked Active: "active" when state records it
	// serving, "planned" when only the stack names it.
	Role string
}

func costSectionFor(ctx context.Context, prices *cost.Prices, stack *provision.Stack, reg *provision.Registry,
	rs *provision.RedisState, rb *provision.RedisBlock, opts *costOptions) costSection {
	d := whatIf(demandFor(ctx, rb, rs, reg, true), opts)
	sc := cost.Scenario{Demand: d.Demand, Upstash: backendOf(reg, rb, rs, cost.Upstash),
		Memorystore: memorystoreOption(stack, reg, rb, rs, opts.memoryGB)}
	// The backend serving now, or the one the stack asks for before the
	// first apply.
	role := "planned"
	sc.Active = rb.Provider
	if rs != nil && rs.Active() != nil {
		sc.Active, role = rs.Active().Type, roleActive
	}
	active := backendOf(reg, rb, rs, sc.Active)
	sec := costSection{Address: rb.Address(), appDemand: d, Comparison: prices.Compare(sc), Role: role}
	sec.Warnings = append(sec.Warnings, warningsFor(rb.Address(), prices.Warnings(active, d.Demand, d.Usage))...)
	if rs == nil {
		return sec
	}
	idle := cost.Demand{CommandsKnown: true, StorageGB: d.Demand.StorageGB}
	for _, bs := range rs.Backends {
		if bs.Status != provision.BackendRetained {
			continue
		}
		e := prices.Estimate(backendOf(reg, rb, rs, bs.Type), idle)
		if w, ok := cost.RetainedWarning(bs.Type, e); ok {
			sec.Warnings = append(sec.Warnings, costWarning{Address: rb.Address(), Kind: w.Kind, Message: w.Message})
		}
	}
	return sec
}

// whatIf replaces measured or stack figures with the flags' figures.
func whatIf(d appDemand, opts *costOptions) appDemand {
	if opts.workers >= 0 {
		u := cost.Usage{Layer: cost.LayerCore}
		if d.Usage != nil {
			u = *d.Usage
		}
		u.Workers = opts.workers
		storage := d.Demand.StorageGB
		d.Usage, d.MeasuredBy = &u, ""
		d.Demand = cost.Model(u, cost.SourceWhatIf)
		d.Demand.StorageGB = storage
	}
	if opts.commandsPerMonth >= 0 {
		d.Demand = cost.Demand{CommandsPerMonth: opts.commandsPerMonth, CommandsKnown: true,
			StorageGB: d.Demand.StorageGB, Source: cost.SourceWhatIf}
		d.MeasuredBy = ""
	}
	if opts.memoryGB >= 0 {
		d.Demand.StorageGB = opts.memoryGB
	}
	return d
}
