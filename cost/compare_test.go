package cost

import (
	"strings"
	"testing"
)

func TestCompareIssueExample(t *testing.T) {
	p := mustPrices(t)
	c := p.Compare(Scenario{
		Demand:      known(3_100_000),
		Upstash:     Backend{Provider: Upstash, Plan: PlanPAYG},
		Memorystore: Backend{Region: "us-central1", MemoryGB: 1, Tier: TierBasic},
		Active:      Upstash,
	})
	var labels []string
	for _, o := range c.Options {
		labels = append(labels, o.Label)
	}
	want := []string{"Upstash free", "Upstash pay-as-you-go", "Upstash fixed 250MB",
		"Memorystore Basic 1 GB in us-central1", "Memorystore Standard 1 GB in us-central1", "local"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Fatalf("options %q, want %q", labels, want)
	}
	if !c.Options[1].Active || c.Options[0].Active || c.Options[3].Active {
		t.Errorf("only pay-as-you-go should be active: %+v", c.Options)
	}
	if c.Cheapest != 1 {
		t.Errorf("cheapest = %d, want pay-as-you-go ($6.20)", c.Cheapest)
	}
	var lines []string
	for _, b := range c.BreakEvens {
		lines = append(lines, b.String())
	}
	for _, w := range []string{
		"Upstash free covers up to 500K commands a month; you use 3.1M.",
		"Upstash fixed 250MB ($10.00/month) becomes cheaper than Upstash pay-as-you-go above 5.0M commands a month; you use 3.1M.",
		"Memorystore Basic 1 GB in us-central1 ($35.77/month) becomes cheaper than Upstash pay-as-you-go above 17.9M commands a month; you use 3.1M.",
	} {
		if !contains(lines, w) {
			t.Errorf("break-even %q missing from %q", w, lines)
		}
	}
	if len(c.Reference) != 2 {
		t.Errorf("reference rows = %d, want Redis Cloud and Railway", len(c.Reference))
	}
}

func TestCompareCheapestSkipsWhatDoesNotFit(t *testing.T) {
	p := mustPrices(t)
	// 20 idle core workers: 42M commands, $84 on pay-as-you-go.
	c := p.Compare(Scenario{Demand: Model(Usage{Workers: 20}, SourceWhatIf), Memorystore: Backend{Region: "us-central1", MemoryGB: 1}})
	if got := c.Options[c.Cheapest].Label; got != "Upstash fixed 250MB" {
		t.Errorf("cheapest = %s, want Upstash fixed 250MB", got)
	}
	if c.Options[0].Fits {
		t.Error("the free tier cannot fit 42M commands")
	}
}

func TestCompareUnknownRegionHasNoBreakEven(t *testing.T) {
	p := mustPrices(t)
	c := p.Compare(Scenario{Demand: Unknown(), Memorystore: Backend{Region: "europe-west1", MemoryGB: 1}, Active: Memorystore})
	for _, o := range c.Options {
		if o.Provider == Memorystore && (o.Known || !strings.Contains(o.Basis, "price unknown")) {
			t.Errorf("%s: %+v, want price unknown", o.Label, o)
		}
	}
	for _, b := range c.BreakEvens {
		if b.Option.Provider == Memorystore {
			t.Errorf("break-even against an unknown price: %s", b)
		}
		if strings.Contains(b.String(), "you use") {
			t.Errorf("%q claims a usage nobody knows", b)
		}
	}
	if c.Cheapest != 2 {
		t.Errorf("cheapest = %d; with unknown usage only the fixed plan has a known hosted price", c.Cheapest)
	}
}

func TestCompareMarksConfiguredFixedPlan(t *testing.T) {
	p := mustPrices(t)
	c := p.Compare(Scenario{Demand: known(1), Upstash: Backend{Provider: Upstash, Plan: "fixed_1gb"}, Active: Upstash})
	var active []string
	for _, o := range c.Options {
		if o.Active {
			active = append(active, o.Label)
		}
	}
	if strings.Join(active, ",") != "Upstash fixed 1GB" {
		t.Errorf("active options %q, want the configured fixed 1GB plan", active)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
