package cost

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Providers priced here.
const (
	Upstash     = "upstash"
	Memorystore = "memorystore"
	Local       = "local"
)

// Memorystore service tiers.
const (
	TierBasic    = "BASIC"
	TierStandard = "STANDARD_HA"
)

// Upstash plan codes with a meaning of their own; fixed plans are
// "fixed_250mb" and so on.
const (
	PlanFree = "free"
	PlanPAYG = "payg"
)

// Backend is one Redis as far as its price goes: what a backend adapter's
// Sizer reports, or what `rediskit cost` assumes for an option the stack
// does not configure.
type Backend struct {
	Provider string
	// Region is where it runs; Memorystore's price depends on it.
	Region string
	// Tier, MemoryGB and Replicas are Memorystore's tier, provisioned size
	// and replica count.
	Tier     string
	MemoryGB float64
	Replicas int
	// Plan is the Upstash plan code; "" means the account's default, which
	// Upstash makes free or pay-as-you-go depending on the account.
	Plan string
	// BudgetUSD is Upstash's monthly budget; nil when not set.
	BudgetUSD *float64
	// ReadRegions is the number of Upstash read regions.
	ReadRegions int
	// Assumed names what was assumed rather than configured ("size and
	// region"), for the estimate's notes.
	Assumed string
}

// Estimate is one backend's monthly price.
type Estimate struct {
	// Label names the option for people: "Upstash pay-as-you-go".
	Label    string
	Provider string
	// Plan is the Upstash plan code or the Memorystore tier.
	Plan       string
	MonthlyUSD float64
	// Known is false when no price can be given: the price data has no
	// figure (an unknown region), or the price depends on commands and the
	// commands are unknown. Basis then says why.
	Known bool
	// Fits is false when the option cannot serve the demand (the free
	// tier's commands or data are exceeded); Basis then says why.
	Fits bool
	// Flat marks a price that does not depend on commands.
	Flat bool
	// Basis shows how the figure was computed, or why there is none.
	Basis string
	// Notes are caveats: an unconfirmed price, an assumed size.
	Notes []string
}

// Estimate prices backend b for demand d.
func (p *Prices) Estimate(b Backend, d Demand) Estimate {
	var e Estimate
	switch b.Provider {
	case Upstash:
		e = p.upstash(b, d)
	case Memorystore:
		e = p.memorystore(b)
	case Local:
		e = Estimate{Label: "local", Provider: Local, Known: true, Fits: true, Flat: true,
			Basis: "runs on this machine; for development"}
	default:
		e = Estimate{Label: b.Provider, Provider: b.Provider, Fits: true,
			Basis: fmt.Sprintf("price unknown: rediskit has no price data for %q", b.Provider)}
	}
	if b.Assumed != "" {
		e.Notes = append(e.Notes, b.Assumed+" assumed")
	}
	return e
}

func (p *Prices) upstash(b Backend, d Demand) Estimate {
	var e Estimate
	switch {
	case b.Plan == PlanFree:
		e = p.upstashFree(d)
	case b.Plan == PlanPAYG:
		e = p.upstashPAYG(d)
	case strings.HasPrefix(b.Plan, "fixed_"):
		e = p.upstashFixed(b.Plan, d)
	case b.Plan == "":
		// The account decides; free when it fits, else what pay-as-you-go costs.
		if e = p.upstashFree(d); !e.Fits || !d.CommandsKnown {
			e = p.upstashPAYG(d)
		}
		e.Notes = append(e.Notes, "plan not set: Upstash picks free or pay-as-you-go by account")
	default:
		e = Estimate{Label: "Upstash " + b.Plan, Provider: Upstash, Plan: b.Plan, Fits: true,
			Basis: fmt.Sprintf("price unknown: no price data for plan %q", b.Plan)}
	}
	if b.ReadRegions > 0 && !e.Flat {
		e.Notes = append(e.Notes, fmt.Sprintf("writes replicated to %s are billed again and not included", plural(b.ReadRegions, "read region")))
	}
	return e
}

func (p *Prices) upstashFree(d Demand) Estimate {
	f := p.Upstash.Free
	limit := int64(f.CommandsPerMonth.Value)
	e := Estimate{Label: "Upstash free", Provider: Upstash, Plan: PlanFree, Known: true, Fits: true,
		Basis: Count(limit) + " commands a month included"}
	switch {
	case d.StorageGB > f.DataGB.Value:
		e.Fits, e.Basis = false, fmt.Sprintf("%s GB stored > %s GB", GB(d.StorageGB), GB(f.DataGB.Value))
	case !d.CommandsKnown:
		// $0 only while the commands stay under the limit, which nobody knows.
		e.Known, e.Basis = false, fmt.Sprintf("$0 up to %s commands a month; usage unknown", Count(limit))
	case d.CommandsPerMonth > limit:
		e.Fits, e.Basis = false, fmt.Sprintf("%s commands a month > %s", Count(d.CommandsPerMonth), Count(limit))
	}
	return e
}

func (p *Prices) upstashPAYG(d Demand) Estimate {
	g := p.Upstash.PAYG
	e := Estimate{Label: "Upstash pay-as-you-go", Provider: Upstash, Plan: PlanPAYG, Fits: d.StorageGB <= g.MaxDataGB.Value}
	storage := math.Max(0, d.StorageGB-g.StorageFreeGB.Value) * g.StorageUSDPerGBMonth.Value
	rate := USD(g.USDPer100KCommands.Value) + " per 100K commands"
	if !d.CommandsKnown {
		e.Basis = "price unknown: " + rate + "; add a usage { } block for an estimate"
		return e
	}
	e.Known = true
	e.MonthlyUSD = float64(d.CommandsPerMonth)/1e5*g.USDPer100KCommands.Value + storage
	e.Basis = fmt.Sprintf("%s commands × %s", Count(d.CommandsPerMonth), rate)
	if storage > 0 {
		e.Basis += fmt.Sprintf(" + %s GB × %s storage", GB(d.StorageGB-g.StorageFreeGB.Value), USD(g.StorageUSDPerGBMonth.Value))
	}
	return e
}

func (p *Prices) upstashFixed(plan string, d Demand) Estimate {
	for _, f := range p.Upstash.Fixed {
		if f.Plan != plan {
			continue
		}
		e := Estimate{Label: "Upstash fixed " + f.Name, Provider: Upstash, Plan: plan, Known: true, Flat: true,
			MonthlyUSD: f.USDPerMonth.Value, Fits: d.StorageGB <= f.DataGB.Value,
			Basis: "flat; commands not billed; " + GB(f.DataGB.Value) + " GB of data"}
		if !e.Fits {
			e.Basis = fmt.Sprintf("%s GB stored > %s GB", GB(d.StorageGB), GB(f.DataGB.Value))
		}
		return e
	}
	return Estimate{Label: "Upstash " + plan, Provider: Upstash, Plan: plan, Fits: true,
		Basis: fmt.Sprintf("price unknown: no price data for plan %q", plan)}
}

// SmallestFixedPlan returns the cheapest fixed plan holding storageGB, or ""
// when none does.
func (p *Prices) SmallestFixedPlan(storageGB float64) string {
	for _, f := range p.Upstash.Fixed {
		if storageGB <= f.DataGB.Value {
			return f.Plan
		}
	}
	return ""
}

func (p *Prices) memorystore(b Backend) Estimate {
	tier := b.Tier
	if tier == "" {
		tier = TierBasic // Memorystore's default tier
	}
	size := math.Max(1, math.Ceil(b.MemoryGB)) // sizes are whole GB, at least 1
	e := Estimate{Provider: Memorystore, Plan: tier, Fits: true, Flat: true,
		Label: fmt.Sprintf("Memorystore %s %s GB", tierName(tier), GB(size))}
	if b.Region == "" {
		e.Basis = "price unknown: no region; set region in the memorystore block"
		return e
	}
	e.Label += " in " + b.Region
	band, ok := p.capacityTier(size)
	if !ok {
		e.Fits, e.Basis = false, fmt.Sprintf("%s GB is above Memorystore's largest size", GB(size))
		return e
	}
	rate, ok := p.Memorystore.Regions[b.Region][tier][band]
	if !ok {
		e.Basis = fmt.Sprintf("price unknown: rediskit has no Memorystore price for %s %s in %s (known: %s); see https://cloud.google.com/memorystore/docs/redis/pricing",
			tier, band, b.Region, strings.Join(p.memorystoreRegions(), ", "))
		return e
	}
	hours := p.Memorystore.HoursPerMonth.Value
	e.Known, e.MonthlyUSD = true, size*rate.Value*hours
	e.Basis = fmt.Sprintf("%s h × %s GB × $%s per GB-hour", GB(hours), GB(size), trimFloat(rate.Value))
	if rate.Unconfirmed {
		e.Notes = append(e.Notes, "unconfirmed price")
	}
	if tier == TierStandard && b.Replicas > 1 {
		e.Notes = append(e.Notes, fmt.Sprintf("read replicas beyond the first (%d) not included: no price data", b.Replicas-1))
	}
	return e
}

func (p *Prices) capacityTier(gb float64) (string, bool) {
	for _, t := range p.Memorystore.CapacityTiers {
		if gb >= t.MinGB && gb <= t.MaxGB {
			return t.Name, true
		}
	}
	return "", false
}

func (p *Prices) memorystoreRegions() []string {
	return slices.Sorted(maps.Keys(p.Memorystore.Regions))
}

// tierName is a tier as Google's price list names it.
func tierName(tier string) string {
	switch tier {
	case TierBasic:
		return "Basic"
	case TierStandard:
		return "Standard"
	}
	return tier
}
