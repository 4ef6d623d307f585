package cmd

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
)

// costWarning is a cost.Warning about one redis block.
type costWarning struct {
	Address string
	Kind    string
	Message string
}

// warnMeasureFailed is the kind of a note that measured usage could not be
// read and the stack's figures were used instead.
const warnMeasureFailed = "measured_usage_unavailable"

// appDemand is what one redis block's app uses, and where that comes from.
type appDemand struct {
	Demand cost.Demand
	// Usage is the app as the stack (or a what-if flag) describes it; nil
	// without a usage block. It tells the channel layer, which measured
	// figures do not.
	Usage *cost.Usage
	// MeasuredBy names the provider whose stats were used.
	MeasuredBy string
	Warnings   []costWarning
}

// stackUsage converts a redis block's usage { } block.
func stackUsage(rb *provision.RedisBlock) *cost.Usage {
	if rb.Usage == nil {
		return nil
	}
	u := rb.Usage
	return &cost.Usage{Workers: u.Workers, Layer: u.Layer, MessagesPerDay: u.MessagesPerDay, StorageGB: u.StorageGB}
}

// demandFor works out what rb's app uses. When measure is set and the
// backend serving the app now can count its own use (Upstash's stats), its
// figures win, at the price of one API call; otherwise the stack's usage
// block is modelled. A failed read is a warning, never an error: an
// estimate must not stop a plan.
func demandFor(ctx context.Context, rb *provision.RedisBlock, rs *provision.RedisState, reg *provision.Registry, measure bool) appDemand {
	d := appDemand{Usage: stackUsage(rb), Demand: cost.Unknown()}
	if d.Usage != nil {
		d.Demand = cost.Model(*d.Usage, cost.SourceStack)
	}
	if !measure || rs == nil || rs.Active() == nil || rs.Active().ID == "" {
		return d
	}
	active := rs.Active()
	adapter, ok := reg.Backend(active.Type)
	reader, canRead := adapter.(provision.UsageReader)
	if !ok || !canRead {
		return d
	}
	m, err := reader.ReadUsage(ctx, active.Record(rb.Name))
	switch {
	case errors.Is(err, provision.ErrNotFound):
		return d
	case err != nil:
		d.Warnings = append(d.Warnings, costWarning{Address: rb.Address(), Kind: warnMeasureFailed,
			Message: fmt.Sprintf("measured usage not read, the estimate uses the stack's usage block instead: %v", err)})
		return d
	}
	d.Demand = cost.Measured{MonthlyRequests: m.MonthlyRequests, DailyRequests: m.DailyRequests,
		TodayCommands: m.TodayCommands, StorageBytes: m.StorageBytes}.Demand()
	d.MeasuredBy = active.Type
	return d
}

// sizing asks typ's adapter what its price depends on; a backend without a
// Sizer is only named, and its price is unknown.
func sizing(reg *provision.Registry, typ string, spec provision.Spec, bs *provision.BackendState, name string) cost.Backend {
	sz := provision.Sizing{Provider: typ}
	if adapter, ok := reg.Backend(typ); ok {
		if s, ok := adapter.(provision.Sizer); ok {
			var rec *provision.Record
			if bs != nil {
				r := bs.Record(name)
				rec = &r
			}
			sz = s.Sizing(spec, rec)
		}
	}
	b := cost.Backend{Provider: sz.Provider, Region: sz.Region, Tier: sz.Tier, MemoryGB: sz.MemoryGB,
		Replicas: sz.Replicas, Plan: sz.Plan, ReadRegions: sz.ReadRegions}
	if sz.BudgetUSD != nil {
		v := float64(*sz.BudgetUSD)
		b.BudgetUSD = &v
	}
	return b
}

// backendOf sizes rb's backend of type typ from the stack and state.
func backendOf(reg *provision.Registry, rb *provision.RedisBlock, rs *provision.RedisState, typ string) cost.Backend {
	var bs *provision.BackendState
	if rs != nil {
		bs = rs.Backend(typ)
	}
	return sizing(reg, typ, rb.Specs[typ], bs, rb.Name)
}

// gcpRegion matches Google Cloud region names ("us-central1"), as opposed
// to AWS ones ("us-east-1").
var gcpRegion = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)

// memorystoreOption is the Memorystore setup `rediskit cost` prices: the
// stack's memorystore block when it has one, else a 1 GB instance in the
// region the app already uses on Google Cloud (a cloud_run target's, or a
// Google region of the upstash block), marked as assumed.
// A memoryGB of 0 or more (--memory-gb) replaces the size.
func memorystoreOption(stack *provision.Stack, reg *provision.Registry, rb *provision.RedisBlock, rs *provision.RedisState, memoryGB float64) cost.Backend {
	m := backendOf(reg, rb, rs, cost.Memorystore)
	m.Provider = cost.Memorystore
	var assumed []string
	switch {
	case memoryGB >= 0:
		m.MemoryGB = memoryGB
	case m.MemoryGB == 0:
		m.MemoryGB = 1
		assumed = append(assumed, "size")
	}
	if m.Region == "" {
		if m.Region = appRegion(stack, reg, rb, rs); m.Region != "" {
			assumed = append(assumed, "region")
		}
	}
	m.Assumed = strings.Join(assumed, " and ")
	return m
}

func appRegion(stack *provision.Stack, reg *provision.Registry, rb *provision.RedisBlock, rs *provision.RedisState) string {
	for _, t := range stack.Targets {
		if t.Redis == rb.Name && t.Type == "cloud_run" && t.Attrs["region"] != "" {
			return t.Attrs["region"]
		}
	}
	if r := backendOf(reg, rb, rs, cost.Upstash).Region; gcpRegion.MatchString(r) {
		return r
	}
	return ""
}

// pricesAsOf names the date of each price file, for footers.
func pricesAsOf(p *cost.Prices) string {
	return fmt.Sprintf("Upstash %s, Memorystore %s, reference %s", p.Upstash.AsOf, p.Memorystore.AsOf, p.Reference.AsOf)
}

func warningsFor(addr string, ws []cost.Warning) []costWarning {
	out := make([]costWarning, 0, len(ws))
	for _, w := range ws {
		out = append(out, costWarning{Address: addr, Kind: w.Kind, Message: w.Message})
	}
	return out
}
