package cost

import (
	"strings"
	"testing"
)

func mustPrices(t *testing.T) *Prices {
	t.Helper()
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestShippedPricesAreReviewable holds the data files to what a reviewer
// relies on: dates, an https source for every figure, the published figures.
func TestShippedPricesAreReviewable(t *testing.T) {
	p := mustPrices(t)
	figs := p.figures()
	if len(figs) < 30 {
		t.Fatalf("only %d figures loaded", len(figs))
	}
	for path, f := range figs {
		if !strings.HasPrefix(f.Source, "https://") {
			t.Errorf("%s has no source", path)
		}
	}
	u := p.Upstash
	checks := map[string][2]float64{
		"free commands":      {u.Free.CommandsPerMonth.Value, 500_000},
		"payg per 100K":      {u.PAYG.USDPer100KCommands.Value, 0.20},
		"payg storage":       {u.PAYG.StorageUSDPerGBMonth.Value, 0.25},
		"payg storage free":  {u.PAYG.StorageFreeGB.Value, 1},
		"fixed 250MB":        {u.Fixed[0].USDPerMonth.Value, 10},
		"hours":              {p.Memorystore.HoursPerMonth.Value, 730},
		"basic M1 us-c1":     {p.Memorystore.Regions["us-central1"][TierBasic]["M1"].Value, 0.049},
		"standard M1 us-c1":  {p.Memorystore.Regions["us-central1"][TierStandard]["M1"].Value, 0.064},
		"fixed plans listed": {float64(len(u.Fixed)), 7},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if p.Memorystore.Regions["us-central1"][TierBasic]["M1"].Unconfirmed {
		t.Error("Basic M1 in us-central1 is the corroborated figure, yet marked unconfirmed")
	}
	if !p.Memorystore.Regions["us-central1"][TierStandard]["M1"].Unconfirmed {
		t.Error("Standard M1 is not corroborated and must be marked unconfirmed")
	}
	for i := 1; i < len(u.Fixed); i++ {
		if u.Fixed[i].DataGB.Value <= u.Fixed[i-1].DataGB.Value {
			t.Errorf("fixed plans are not sorted by size at %s", u.Fixed[i].Plan)
		}
	}
}

func TestPriceFilesRefuseUnknownKeys(t *testing.T) {
	var u UpstashPrices
	err := decodeJSON("upstash.json", []byte(`{"as_of": "2026-01-01", "payg": {"usd_per_100k_comands": {"value": 1}}}`), &u)
	if err == nil || !strings.Contains(err.Error(), "usd_per_100k_comands") {
		t.Fatalf("a misspelt key was accepted: %v", err)
	}
}

func TestCheckRejectsUnsourcedFigures(t *testing.T) {
	p := mustPrices(t)
	p.Upstash.PAYG.USDPer100KCommands.Source = ""
	p.Memorystore.AsOf = "last week"
	err := p.check()
	if err == nil || !strings.Contains(err.Error(), "usd_per_100k_commands") || !strings.Contains(err.Error(), "last week") {
		t.Fatalf("check() = %v, want both problems named", err)
	}
}
