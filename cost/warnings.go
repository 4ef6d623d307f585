package cost

import (
	"fmt"
	"math"
	"strings"
)

// Kinds of Warning.
const (
	WarnFreeTier    = "free_tier_runs_out"
	WarnIdlePolling = "idle_polling"
	WarnBudget      = "budget_below_spend"
	WarnRetained    = "retained_backend_costs"
)

// Warning is money about to be lost, with what to do about it.
type Warning struct {
	Kind    string
	Message string
}

// Warnings looks at the backend serving the app (active) for ways it is
// about to lose money: the Upstash free tier running out within the month,
// the core layer's idle polling billed per command, a budget below the
// projected spend. u is the app's usage as the stack (or a what-if) states
// it, nil when unknown; it tells the layer, which measured figures do not.
func (p *Prices) Warnings(active Backend, d Demand, u *Usage) []Warning {
	if active.Provider != Upstash {
		return nil
	}
	var out []Warning
	for _, w := range []func(Backend, Demand, *Usage) (Warning, bool){p.freeTierWarning, p.idlePollingWarning, p.budgetWarning} {
		if warn, ok := w(active, d, u); ok {
			out = append(out, warn)
		}
	}
	return out
}

// FreeTierDay is the day of the month on which a free tier of limit
// commands is used up at d's rate, or 0 when it lasts the month.
func FreeTierDay(limit int64, d Demand) int {
	if !d.CommandsKnown || d.CommandsPerMonth <= limit || d.PerDay() <= 0 {
		return 0
	}
	return max(1, int(math.Ceil(float64(limit)/d.PerDay())))
}

func (p *Prices) freeTierWarning(b Backend, d Demand, _ *Usage) (Warning, bool) {
	if b.Plan != PlanFree && b.Plan != "" {
		return Warning{}, false
	}
	limit := int64(p.Upstash.Free.CommandsPerMonth.Value)
	day := FreeTierDay(limit, d)
	if day == 0 {
		return Warning{}, false
	}
	prefix := ""
	if b.Plan == "" {
		prefix = "if this database is on the free plan, "
	}
	payg := p.upstashPAYG(d)
	msg := fmt.Sprintf("%sat %s commands a month (about %s a day) Upstash's free %s commands run out on day %d of each month; after that every command fails with \"ERR max requests limit exceeded\" until the month ends. Set plan = \"payg\" in the upstash block (%s a month) or cut the commands",
		prefix, Count(d.CommandsPerMonth), Count(int64(d.PerDay())), Count(limit), day, USD(payg.MonthlyUSD))
	return Warning{Kind: WarnFreeTier, Message: msg}, true
}

func (p *Prices) idlePollingWarning(b Backend, d Demand, u *Usage) (Warning, bool) {
	if u == nil || u.Workers <= 0 || (u.Layer != LayerCore && u.Layer != "") || strings.HasPrefix(b.Plan, "fixed_") {
		return Warning{}, false
	}
	rate := p.Upstash.PAYG.USDPer100KCommands.Value / 1e5
	each := IdleCommandsPerMonth(LayerCore)
	who := "1 always-on consumer process on channels_redis's core layer polls Upstash even when idle: it runs"
	if u.Workers > 1 {
		who = fmt.Sprintf("%d always-on consumer processes on channels_redis's core layer poll Upstash even when idle: each runs", u.Workers)
	}
	msg := fmt.Sprintf("%s EVAL (with the ZRANGE and DEL inside it) and BZPOPMIN every %d seconds, about %s billable commands a month (%s on pay-as-you-go)",
		who, ReceiveTimeoutSeconds, Count(each), USD(float64(each)*rate))
	if u.Workers > 1 {
		total := each * int64(u.Workers)
		msg += fmt.Sprintf("; %s and %s together", Count(total), USD(float64(total)*rate))
	}
	fixed := p.upstashFixed(p.SmallestFixedPlan(d.StorageGB), d)
	msg += fmt.Sprintf(". Use channels_redis.pubsub.RedisPubSubChannelLayer, which sends nothing while idle, or a fixed plan (plan = %q: %s a month, commands not billed)",
		fixed.Plan, USD(fixed.MonthlyUSD))
	return Warning{Kind: WarnIdlePolling, Message: msg}, true
}

func (p *Prices) budgetWarning(b Backend, d Demand, _ *Usage) (Warning, bool) {
	if b.BudgetUSD == nil || (b.Plan != PlanPAYG && b.Plan != "") {
		return Warning{}, false
	}
	e := p.upstashPAYG(d)
	if !e.Known || Cents(e.MonthlyUSD) <= *b.BudgetUSD {
		return Warning{}, false
	}
	if b.Plan == "" && p.upstashFree(d).Fits {
		return Warning{}, false
	}
	msg := fmt.Sprintf("the Upstash budget of %s a month is below the projected %s on pay-as-you-go; when spending reaches the budget Upstash rate-limits the database and the channel layer stops delivering. Raise budget in the upstash block, choose a fixed plan, or cut the commands",
		USD(*b.BudgetUSD), USD(e.MonthlyUSD))
	return Warning{Kind: WarnBudget, Message: msg}, true
}

// RetainedWarning reports a backend kept after a migration that still costs
// money: e is its estimate with the traffic it has left (none).
func RetainedWarning(provider string, e Estimate) (Warning, bool) {
	if !e.Known || Cents(e.MonthlyUSD) <= 0 {
		return Warning{}, false
	}
	msg := fmt.Sprintf("the retained %s backend still costs %s a month (%s); run `rediskit prune` once you no longer need it for a rollback",
		provider, USD(e.MonthlyUSD), e.Label)
	return Warning{Kind: WarnRetained, Message: msg}, true
}
