package cost

import (
	"fmt"
	"math"
	"strings"
)

// Scenario is what `rediskit cost` compares: one app's demand and how each
// provider would be set up for it.
type Scenario struct {
	Demand Demand
	// Upstash carries the plan and budget of the stack's upstash block, if
	// any; its plan only decides which option is marked active.
	Upstash Backend
	// Memorystore is the configured (or assumed) region and size; both
	// tiers are priced at that size.
	Memorystore Backend
	// Active is the provider serving the app now ("" when none).
	Active string
}

// Option is one row of a comparison.
type Option struct {
	Estimate
	// Active marks the option the stack uses now.
	Active bool
}

// Comparison is every option for one scenario.
type Comparison struct {
	Demand  Demand
	Options []Option
	// Cheapest indexes the hosted option that fits at the lowest known
	// price; -1 when none. Local is never the cheapest: it is for
	// development.
	Cheapest   int
	BreakEvens []BreakEven
	Reference  []ReferenceRow
}

// Compare prices every option for s: Upstash free, pay-as-you-go and the
// smallest fixed plan that holds the data; Memorystore Basic and Standard at
// the configured size; local.
func (p *Prices) Compare(s Scenario) Comparison {
	c := Comparison{Demand: s.Demand, Cheapest: -1, Reference: p.Reference.Rows}
	backends := []Backend{
		{Provider: Upstash, Plan: PlanFree},
		{Provider: Upstash, Plan: PlanPAYG},
	}
	smallest := p.SmallestFixedPlan(s.Demand.StorageGB)
	if smallest != "" {
		backends = append(backends, Backend{Provider: Upstash, Plan: smallest})
	}
	if plan := s.Upstash.Plan; strings.HasPrefix(plan, "fixed_") && plan != smallest {
		backends = append(backends, Backend{Provider: Upstash, Plan: plan})
	}
	for _, tier := range []string{TierBasic, TierStandard} {
		m := s.Memorystore
		m.Provider, m.Tier = Memorystore, tier
		backends = append(backends, m)
	}
	backends = append(backends, Backend{Provider: Local})
	active := p.activePlan(s)
	for _, b := range backends {
		e := p.Estimate(b, s.Demand)
		c.Options = append(c.Options, Option{Estimate: e, Active: s.Active == b.Provider && (active == "" || active == e.Plan)})
	}
	c.Cheapest = cheapest(c.Options)
	c.BreakEvens = p.breakEvens(c.Options, s.Demand)
	return c
}

// activePlan is the plan or tier of the active backend, to mark its row.
func (p *Prices) activePlan(s Scenario) string {
	switch s.Active {
	case Upstash:
		return p.Estimate(s.Upstash, s.Demand).Plan
	case Memorystore:
		return p.Estimate(Backend{Provider: Memorystore, Tier: s.Memorystore.Tier}, s.Demand).Plan
	}
	return ""
}

func cheapest(opts []Option) int {
	best := -1
	for i, o := range opts {
		if o.Provider == Local || !o.Known || !o.Fits {
			continue
		}
		if best < 0 || Cents(o.MonthlyUSD) < Cents(opts[best].MonthlyUSD) {
			best = i
		}
	}
	return best
}

// BreakEven is the command volume above which a flat-priced option costs
// less than Upstash pay-as-you-go, or, for Upstash free, the volume it
// covers.
type BreakEven struct {
	Option Estimate
	// CommandsPerMonth is the threshold.
	CommandsPerMonth int64
	// Demand is the app's, to say where it stands.
	Demand Demand
}

// String says it in plain words: "Memorystore BASIC 1 GB in us-central1
// ($35.77/month) becomes cheaper than Upstash pay-as-you-go above 17.9M
// commands a month; you use 3.1M."
func (b BreakEven) String() string {
	var s string
	if b.Option.Plan == PlanFree {
		s = fmt.Sprintf("Upstash free covers up to %s commands a month", Count(b.CommandsPerMonth))
	} else {
		s = fmt.Sprintf("%s (%s/month) becomes cheaper than Upstash pay-as-you-go above %s commands a month",
			b.Option.Label, USD(b.Option.MonthlyUSD), Count(b.CommandsPerMonth))
	}
	if b.Demand.CommandsKnown {
		s += "; you use " + Count(b.Demand.CommandsPerMonth)
	}
	return s + "."
}

// breakEvens finds, for each flat option with a known price, the commands at
// which pay-as-you-go (commands plus the same storage) costs as much.
func (p *Prices) breakEvens(opts []Option, d Demand) []BreakEven {
	g := p.Upstash.PAYG
	perCommand := g.USDPer100KCommands.Value / 1e5
	storage := math.Max(0, d.StorageGB-g.StorageFreeGB.Value) * g.StorageUSDPerGBMonth.Value
	var out []BreakEven
	for _, o := range opts {
		switch {
		case o.Plan == PlanFree && o.Provider == Upstash:
			out = append(out, BreakEven{Option: o.Estimate, CommandsPerMonth: int64(p.Upstash.Free.CommandsPerMonth.Value), Demand: d})
		case o.Flat && o.Known && o.Fits && o.Provider != Local && o.MonthlyUSD > storage && perCommand > 0:
			n := int64(math.Round((o.MonthlyUSD - storage) / perCommand))
			out = append(out, BreakEven{Option: o.Estimate, CommandsPerMonth: n, Demand: d})
		}
	}
	return out
}
