package cost

import (
	"strings"
	"testing"
)

func known(n int64) Demand { return Demand{CommandsPerMonth: n, CommandsKnown: true} }

func TestEstimate(t *testing.T) {
	p := mustPrices(t)
	budget := 20.0
	tests := []struct {
		name  string
		b     Backend
		d     Demand
		usd   string // "" when the price must be unknown
		fits  bool
		basis string
		note  string
	}{
		{"memorystore basic 1 GB us-central1", Backend{Provider: Memorystore, Region: "us-central1", Tier: TierBasic, MemoryGB: 1},
			Unknown(), "$35.77", true, "730 h × 1 GB × $0.049 per GB-hour", ""},
		{"sizes round up to whole GB", Backend{Provider: Memorystore, Region: "us-central1", MemoryGB: 1.2},
			Unknown(), "$71.54", true, "730 h × 2 GB", ""},
		{"standard is unconfirmed", Backend{Provider: Memorystore, Region: "us-central1", Tier: TierStandard, MemoryGB: 1},
			Unknown(), "$46.72", true, "$0.064 per GB-hour", "unconfirmed price"},
		{"M2 band", Backend{Provider: Memorystore, Region: "us-central1", Tier: TierBasic, MemoryGB: 5},
			Unknown(), "$98.55", true, "5 GB × $0.027", "unconfirmed price"},
		{"read replicas flagged", Backend{Provider: Memorystore, Region: "us-central1", Tier: TierStandard, MemoryGB: 1, Replicas: 3},
			Unknown(), "$46.72", true, "", "read replicas beyond the first (2) not included"},
		{"unknown region is never guessed", Backend{Provider: Memorystore, Region: "europe-west1", Tier: TierBasic, MemoryGB: 1},
			Unknown(), "", true, "price unknown: rediskit has no Memorystore price for BASIC M1 in europe-west1 (known: us-central1)", ""},
		{"no region", Backend{Provider: Memorystore, MemoryGB: 1}, Unknown(), "", true, "price unknown: no region", ""},
		{"too big", Backend{Provider: Memorystore, Region: "us-central1", MemoryGB: 400}, Unknown(), "", false, "400 GB is above", ""},
		{"free fits", Backend{Provider: Upstash, Plan: PlanFree}, known(400_000), "$0.00", true, "500K commands a month included", ""},
		{"free exceeded", Backend{Provider: Upstash, Plan: PlanFree}, known(2_102_400), "$0.00", false, "2.1M commands a month > 500K", ""},
		{"free data exceeded", Backend{Provider: Upstash, Plan: PlanFree}, Demand{StorageGB: 0.5}, "$0.00", false, "0.5 GB stored > 0.25 GB", ""},
		{"payg one idle worker", Backend{Provider: Upstash, Plan: PlanPAYG}, Model(Usage{Workers: 1}, SourceStack),
			"$4.20", true, "2.1M commands × $0.20 per 100K commands", ""},
		{"payg storage beyond 1 GB", Backend{Provider: Upstash, Plan: PlanPAYG}, Demand{CommandsPerMonth: 1e6, CommandsKnown: true, StorageGB: 3},
			"$2.50", true, "1.0M commands × $0.20 per 100K commands + 2 GB × $0.25 storage", ""},
		{"payg without usage", Backend{Provider: Upstash, Plan: PlanPAYG}, Unknown(), "", true, "price unknown: $0.20 per 100K commands; add a usage { } block", ""},
		{"fixed", Backend{Provider: Upstash, Plan: "fixed_1gb", BudgetUSD: &budget}, known(1e9), "$20.00", true, "flat; commands not billed; 1 GB of data", ""},
		{"plan unset picks free when it fits", Backend{Provider: Upstash}, known(1000), "$0.00", true, "500K commands a month included", "plan not set"},
		{"plan unset over the free tier is payg", Backend{Provider: Upstash}, known(1e6), "$2.00", true, "1.0M commands", "plan not set"},
		{"read regions noted", Backend{Provider: Upstash, Plan: PlanPAYG, ReadRegions: 2}, known(1e6), "$2.00", true, "", "2 read regions"},
		{"local", Backend{Provider: Local}, Unknown(), "$0.00", true, "runs on this machine", ""},
		{"unknown provider", Backend{Provider: "redis_cloud"}, Unknown(), "", true, `no price data for "redis_cloud"`, ""},
		{"assumed size noted", Backend{Provider: Memorystore, Region: "us-central1", MemoryGB: 1, Assumed: "size"}, Unknown(), "$35.77", true, "", "size assumed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := p.Estimate(tt.b, tt.d)
			if tt.usd == "" && e.Known {
				t.Errorf("price should be unknown, got %s", USD(e.MonthlyUSD))
			}
			if tt.usd != "" && (!e.Known || USD(e.MonthlyUSD) != tt.usd) {
				t.Errorf("price = %s (known %v), want %s", USD(e.MonthlyUSD), e.Known, tt.usd)
			}
			if e.Fits != tt.fits {
				t.Errorf("fits = %v, want %v", e.Fits, tt.fits)
			}
			if !strings.Contains(e.Basis, tt.basis) {
				t.Errorf("basis %q lacks %q", e.Basis, tt.basis)
			}
			if tt.note != "" && !strings.Contains(strings.Join(e.Notes, "; "), tt.note) {
				t.Errorf("notes %q lack %q", e.Notes, tt.note)
			}
		})
	}
}
