package cost

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// priceFiles holds the reviewed price data, one file per provider. Changing
// a figure is a data review: update the value, its source and the file's
// as_of date, and docs/cost-model.md.
//
//go:embed prices/*.json
var priceFiles embed.FS

// Figure is one price or limit together with where it was read.
type Figure struct {
	Value float64 `json:"value"`
	// Source is the address the figure was read from.
	Source string `json:"source"`
	// Unconfirmed marks a figure no source confirms; estimates built on it
	// say so.
	Unconfirmed bool   `json:"unconfirmed,omitempty"`
	Note        string `json:"note,omitempty"`
}

// Prices is every provider's price data.
type Prices struct {
	Upstash     UpstashPrices
	Memorystore MemorystorePrices
	Reference   ReferencePrices
}

// FileInfo is what every price file says about itself.
type FileInfo struct {
	Provider string `json:"provider"`
	// AsOf is the date the prices are valid from, as published.
	AsOf string `json:"as_of"`
	// Reviewed is when someone last checked the figures against the sources.
	Reviewed string `json:"reviewed"`
	Note     string `json:"note"`
}

// UpstashPrices is prices/upstash.json.
type UpstashPrices struct {
	FileInfo
	Free struct {
		CommandsPerMonth Figure `json:"commands_per_month"`
		DataGB           Figure `json:"data_gb"`
		BandwidthGB      Figure `json:"bandwidth_gb"`
	} `json:"free"`
	PAYG struct {
		USDPer100KCommands   Figure `json:"usd_per_100k_commands"`
		StorageUSDPerGBMonth Figure `json:"storage_usd_per_gb_month"`
		StorageFreeGB        Figure `json:"storage_free_gb"`
		MaxDataGB            Figure `json:"max_data_gb"`
		BandwidthFreeGB      Figure `json:"bandwidth_free_gb"`
		BandwidthUSDPerGB    Figure `json:"bandwidth_usd_per_gb"`
	} `json:"payg"`
	// Fixed plans, smallest first.
	Fixed []UpstashFixedPlan `json:"fixed"`
}

// UpstashFixedPlan is one fixed-price plan: commands are not billed.
type UpstashFixedPlan struct {
	// Plan is the API's plan code ("fixed_250mb"); Name is Upstash's label.
	Plan        string `json:"plan"`
	Name        string `json:"name"`
	USDPerMonth Figure `json:"usd_per_month"`
	DataGB      Figure `json:"data_gb"`
}

// MemorystorePrices is prices/memorystore.json.
type MemorystorePrices struct {
	FileInfo
	HoursPerMonth Figure         `json:"hours_per_month"`
	CapacityTiers []CapacityTier `json:"capacity_tiers"`
	// Regions maps region → service tier (BASIC, STANDARD_HA) → capacity
	// tier name → USD per GB-hour.
	Regions map[string]map[string]map[string]Figure `json:"regions"`
}

// CapacityTier is a Memorystore size band priced alike, e.g. M1 for 1–4 GB.
type CapacityTier struct {
	Name  string  `json:"name"`
	MinGB float64 `json:"min_gb"`
	MaxGB float64 `json:"max_gb"`
}

// ReferencePrices is prices/reference.json: providers rediskit cannot
// create, for comparison.
type ReferencePrices struct {
	FileInfo
	Rows []ReferenceRow `json:"rows"`
}

// ReferenceRow is one provider's published entry price.
type ReferenceRow struct {
	Provider    string `json:"provider"`
	Plan        string `json:"plan"`
	USDPerMonth Figure `json:"usd_per_month"`
	Includes    string `json:"includes"`
}

// LoadPrices decodes and checks the embedded price data. It fails only when
// the shipped data is broken, which the package's tests rule out.
func LoadPrices() (*Prices, error) {
	p := &Prices{}
	files := []struct {
		name string
		into any
	}{
		{"prices/upstash.json", &p.Upstash},
		{"prices/memorystore.json", &p.Memorystore},
		{"prices/reference.json", &p.Reference},
	}
	for _, f := range files {
		if err := decodeFile(f.name, f.into); err != nil {
			return nil, err
		}
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("price data: %w; this is a bug in rediskit's shipped data, please report it", err)
	}
	return p, nil
}

func decodeFile(name string, into any) error {
	b, err := priceFiles.ReadFile(name)
	if err != nil {
		return fmt.Errorf("price data %s: %w", name, err)
	}
	return decodeJSON(name, b, into)
}

func decodeJSON(name string, b []byte, into any) error {
	// Unknown fields are refused so that a misspelt key in a reviewed file
	// fails the tests instead of silently dropping a price.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("price data %s: %w", name, err)
	}
	return nil
}

// check enforces what a reviewer relies on: dated files, and a source and a
// sane value for every figure.
func (p *Prices) check() error {
	var errs []error
	for _, fi := range []FileInfo{p.Upstash.FileInfo, p.Memorystore.FileInfo, p.Reference.FileInfo} {
		for _, d := range []string{fi.AsOf, fi.Reviewed} {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				errs = append(errs, fmt.Errorf("%s: date %q is not YYYY-MM-DD", fi.Provider, d))
			}
		}
	}
	for path, f := range p.figures() {
		if !strings.HasPrefix(f.Source, "https://") {
			errs = append(errs, fmt.Errorf("%s: source %q is not an https address", path, f.Source))
		}
		if f.Value < 0 {
			errs = append(errs, fmt.Errorf("%s: negative value %v", path, f.Value))
		}
	}
	if len(p.Upstash.Fixed) == 0 || len(p.Memorystore.CapacityTiers) == 0 {
		errs = append(errs, errors.New("no Upstash fixed plans or Memorystore capacity tiers"))
	}
	return errors.Join(errs...)
}

// figures lists every figure by a path for messages.
func (p *Prices) figures() map[string]Figure {
	u, m := &p.Upstash, &p.Memorystore
	out := map[string]Figure{
		"upstash.free.commands_per_month":    u.Free.CommandsPerMonth,
		"upstash.free.data_gb":               u.Free.DataGB,
		"upstash.free.bandwidth_gb":          u.Free.BandwidthGB,
		"upstash.payg.usd_per_100k_commands": u.PAYG.USDPer100KCommands,
		"upstash.payg.storage_usd_per_gb":    u.PAYG.StorageUSDPerGBMonth,
		"upstash.payg.storage_free_gb":       u.PAYG.StorageFreeGB,
		"upstash.payg.max_data_gb":           u.PAYG.MaxDataGB,
		"upstash.payg.bandwidth_free_gb":     u.PAYG.BandwidthFreeGB,
		"upstash.payg.bandwidth_usd_per_gb":  u.PAYG.BandwidthUSDPerGB,
		"memorystore.hours_per_month":        m.HoursPerMonth,
	}
	for _, f := range u.Fixed {
		out["upstash.fixed."+f.Plan+".usd_per_month"] = f.USDPerMonth
		out["upstash.fixed."+f.Plan+".data_gb"] = f.DataGB
	}
	for region, tiers := range m.Regions {
		for tier, bands := range tiers {
			for band, f := range bands {
				out["memorystore."+region+"."+tier+"."+band] = f
			}
		}
	}
	for _, r := range p.Reference.Rows {
		out["reference."+r.Provider+"."+r.Plan] = r.USDPerMonth
	}
	return out
}
