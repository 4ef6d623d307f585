package cmd

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/cost"
)

// liveCommandsPerCheck bounds the billable Upstash commands of one
// verification (README, "Free tier": fewer than 10 per run).
const liveCommandsPerCheck = 10

// liveUsage is what the live test used, for its cost estimate.
type liveUsage struct {
	region string
	// memorystore is how long the Memorystore instance may have existed:
	// from the start of the migration that created it to the end of the
	// delete, an upper bound of what Google bills per second; zero when it
	// was never created. msLeft says it still exists.
	memorystore time.Duration
	msLeft      bool
	// upstashPlan, upstashTime and upstashChecks describe the Upstash
	// database: its plan, how long it existed and how many commands
	// verified it.
	upstashPlan   string
	upstashTime   time.Duration
	upstashChecks int
}

// liveCost prices one run from the shipped price data: Memorystore Basic
// 1 GB for the time it existed, and the Upstash database by its plan. It
// returns the total (only what is known), one line per item, and whether
// every item had a price.
func liveCost(p *cost.Prices, u liveUsage) (total float64, lines []string, known bool) {
	known = true
	hoursPerMonth := p.Memorystore.HoursPerMonth.Value
	ms := p.Estimate(cost.Backend{Provider: cost.Memorystore, Region: u.region, Tier: cost.TierBasic, MemoryGB: 1}, cost.Unknown())
	hourly := ms.MonthlyUSD / hoursPerMonth
	switch {
	case u.memorystore == 0:
		lines = append(lines, ms.Label+": not created: $0.00")
	case ms.Known:
		usd := hourly * u.memorystore.Hours()
		total += usd
		lines = append(lines, fmt.Sprintf("%s for at most %s at $%.3f an hour: %s",
			ms.Label, u.memorystore.Round(time.Second), hourly, liveUSD(usd)))
	default:
		known = false
		lines = append(lines, fmt.Sprintf("%s for at most %s: %s", ms.Label, u.memorystore.Round(time.Second), ms.Basis))
	}
	if u.msLeft {
		still := "it costs the same every hour until it is deleted (see above)"
		if ms.Known {
			still = fmt.Sprintf("it costs $%.3f an hour until it is deleted (see above)", hourly)
		}
		lines = append(lines, "The Memorystore instance still exists: "+still)
	}
	commands := int64(u.upstashChecks * liveCommandsPerCheck)
	up := p.Estimate(cost.Backend{Provider: cost.Upstash, Plan: u.upstashPlan}, cost.Demand{CommandsPerMonth: commands, CommandsKnown: true})
	switch {
	case !up.Known:
		known = false
		lines = append(lines, fmt.Sprintf("%s: %s", up.Label, up.Basis))
	case up.Flat:
		// A fixed plan's monthly price, for the share of the month the
		// database existed.
		usd := up.MonthlyUSD / hoursPerMonth * u.upstashTime.Hours()
		total += usd
		lines = append(lines, fmt.Sprintf("%s for %s of a %s-a-month plan: %s", up.Label, u.upstashTime.Round(time.Second), liveUSD(up.MonthlyUSD), liveUSD(usd)))
	default:
		// Free or pay-as-you-go: the run's commands are what is billed.
		total += up.MonthlyUSD
		lines = append(lines, fmt.Sprintf("%s, at most %d billable commands (%d verifications): %s", up.Label, commands, u.upstashChecks, liveUSD(up.MonthlyUSD)))
	}
	return total, lines, known
}

// liveUSD shows sub-cent amounts, which cost.USD rounds away.
func liveUSD(v float64) string {
	switch {
	case v > 0 && v < 0.0001:
		return "under $0.0001"
	case v > 0 && v < 0.01:
		return fmt.Sprintf("$%.4f", v)
	}
	return cost.USD(v)
}

// liveCostReport is the text the live test logs at its end.
func liveCostReport(p *cost.Prices, u liveUsage) string {
	total, lines, known := liveCost(p, u)
	head := "Estimated cost of this run: " + liveUSD(total)
	if !known {
		head += " plus what has no price data (below)"
	}
	return head + "\n  " + strings.Join(lines, "\n  ") +
		"\n  Not counted: Cloud Run (the service's own bill: the test makes revisions, not extra instances) and Secret Manager (two secrets for minutes: fractions of a cent)." +
		fmt.Sprintf("\n  Prices as of Upstash %s, Memorystore %s (cost/prices).", p.Upstash.AsOf, p.Memorystore.AsOf)
}

// reportCost logs what the run cost, from the shipped price data. It runs
// after cleanup, so the times include the deletes.
func (l *liveTest) reportCost() {
	prices, err := cost.LoadPrices()
	if err != nil {
		l.t.Errorf("cost report: %v", err)
		return
	}
	u := liveUsage{region: l.cfg.region, upstashPlan: l.cfg.upstashPlan, upstashChecks: l.usage.upstashChecks,
		memorystore: span(l.usage.msCreated, l.usage.msGone), msLeft: !l.usage.msCreated.IsZero() && l.usage.msGone.IsZero(),
		upstashTime: span(l.usage.upCreated, l.usage.upGone)}
	l.t.Log(liveCostReport(prices, u))
}

// span is the time from start to end, or to now when end is not known;
// zero when start is not.
func span(start, end time.Time) time.Duration {
	switch {
	case start.IsZero():
		return 0
	case end.IsZero():
		return time.Since(start)
	}
	return end.Sub(start)
}

func TestLiveCostFromPriceData(t *testing.T) {
	p, err := cost.LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	rate := p.Memorystore.Regions["us-central1"][cost.TierBasic]["M1"].Value
	perCommand := p.Upstash.PAYG.USDPer100KCommands.Value / 1e5
	fixed := p.Upstash.Fixed[0]
	cases := []struct {
		name  string
		u     liveUsage
		total float64
		known bool
	}{
		{"free Upstash, 30 minutes of Memorystore",
			liveUsage{region: "us-central1", memorystore: 30 * time.Minute, upstashPlan: cost.PlanFree, upstashChecks: 4}, 0.5 * rate, true},
		{"pay-as-you-go Upstash bills the checks' commands",
			liveUsage{region: "us-central1", memorystore: 30 * time.Minute, upstashPlan: cost.PlanPAYG, upstashChecks: 4}, 0.5*rate + 4*liveCommandsPerCheck*perCommand, true},
		{"a fixed plan for the hours the database existed; no Memorystore",
			liveUsage{region: "us-central1", upstashPlan: fixed.Plan, upstashTime: 73 * time.Hour}, fixed.USDPerMonth.Value / 10, true},
		{"a region without price data is unknown, not guessed",
			liveUsage{region: "mars-north1", memorystore: time.Hour, upstashPlan: cost.PlanFree}, 0, false},
	}
	for _, c := range cases {
		total, lines, known := liveCost(p, c.u)
		if math.Abs(total-c.total) > 1e-9 || known != c.known || len(lines) != 2 {
			t.Errorf("%s: %v, %v, %q; want %v, %v", c.name, total, known, lines, c.total, c.known)
		}
	}
	// One run as the README describes it: 40 minutes of Basic 1 GB is a
	// few cents.
	report := liveCostReport(p, liveUsage{region: "us-central1", memorystore: 40 * time.Minute, upstashPlan: cost.PlanFree, upstashChecks: 4})
	if want := "Estimated cost of this run: " + cost.USD(rate*40/60); !strings.HasPrefix(report, want) {
		t.Errorf("report starts %q, want %q", strings.SplitN(report, "\n", 2)[0], want)
	}
	if _, lines, _ := liveCost(p, liveUsage{region: "us-central1", memorystore: time.Hour, msLeft: true}); !strings.Contains(strings.Join(lines, "\n"), fmt.Sprintf("still exists: it costs $%.3f an hour", rate)) {
		t.Errorf("an instance left behind: %q, want its hourly price", lines)
	}
}
