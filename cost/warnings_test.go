package cost

import (
	"strings"
	"testing"
)

func kinds(ws []Warning) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Kind)
	}
	return strings.Join(out, ",")
}

func TestWarnings(t *testing.T) {
	p := mustPrices(t)
	ten := 10.0
	core2 := &Usage{Workers: 2, Layer: LayerCore}
	tests := []struct {
		name   string
		b      Backend
		d      Demand
		u      *Usage
		kinds  string
		phrase string
	}{
		{"free tier runs out on day 4 with two idle workers", Backend{Provider: Upstash, Plan: PlanFree}, Model(*core2, SourceStack), core2,
			WarnFreeTier + "," + WarnIdlePolling, "run out on day 4 of each month"},
		{"plan unset hedges", Backend{Provider: Upstash}, known(1_000_000), nil, WarnFreeTier, "if this database is on the free plan, at 1.0M commands a month (about 33K a day) Upstash's free 500K commands run out on day 16"},
		{"idle polling names the fix", Backend{Provider: Upstash, Plan: PlanPAYG}, Model(*core2, SourceStack), core2, WarnIdlePolling,
			"each runs EVAL (with the ZRANGE and DEL inside it) and BZPOPMIN every 5 seconds, about 2.1M billable commands a month ($4.20 on pay-as-you-go); 4.2M and $8.41 together. Use channels_redis.pubsub.RedisPubSubChannelLayer, which sends nothing while idle, or a fixed plan (plan = \"fixed_250mb\": $10.00 a month"},
		{"pubsub does not poll", Backend{Provider: Upstash, Plan: PlanPAYG}, known(100), &Usage{Workers: 4, Layer: LayerPubSub}, "", ""},
		{"fixed plans do not bill polling", Backend{Provider: Upstash, Plan: "fixed_250mb"}, Model(*core2, SourceStack), core2, "", ""},
		{"budget below spend", Backend{Provider: Upstash, Plan: PlanPAYG, BudgetUSD: &ten}, known(10_000_000), nil, WarnBudget,
			"budget of $10.00 a month is below the projected $20.00"},
		{"budget above spend", Backend{Provider: Upstash, Plan: PlanPAYG, BudgetUSD: &ten}, known(1_000_000), nil, "", ""},
		{"memorystore has none of these", Backend{Provider: Memorystore, Region: "us-central1"}, Model(*core2, SourceStack), core2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := p.Warnings(tt.b, tt.d, tt.u)
			if kinds(ws) != tt.kinds {
				t.Fatalf("warnings %q, want %q: %v", kinds(ws), tt.kinds, ws)
			}
			if tt.phrase != "" && !strings.Contains(ws[len(ws)-1].Message+ws[0].Message, tt.phrase) {
				t.Errorf("warnings %v lack %q", ws, tt.phrase)
			}
		})
	}
}

func TestFreeTierDay(t *testing.T) {
	for n, day := range map[int64]int{400_000: 0, 2_102_400: 8, 4_204_800: 4, 1_000_000_000: 1} {
		if got := FreeTierDay(500_000, known(n)); got != day {
			t.Errorf("FreeTierDay(%d) = %d, want %d", n, got, day)
		}
	}
}

func TestRetainedWarning(t *testing.T) {
	p := mustPrices(t)
	e := p.Estimate(Backend{Provider: Memorystore, Region: "us-central1", MemoryGB: 1}, Demand{CommandsKnown: true})
	w, ok := RetainedWarning(Memorystore, e)
	if !ok || w.Message != "the retained memorystore backend still costs $35.77 a month (Memorystore Basic 1 GB in us-central1); run `rediskit prune` once you no longer need it for a rollback" {
		t.Fatalf("RetainedWarning = %q, %v", w.Message, ok)
	}
	idle := p.Estimate(Backend{Provider: Upstash, Plan: PlanPAYG}, Demand{CommandsKnown: true})
	if _, ok := RetainedWarning(Upstash, idle); ok {
		t.Error("a retained pay-as-you-go database without traffic costs nothing and needs no warning")
	}
}
