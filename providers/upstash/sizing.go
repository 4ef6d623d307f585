package upstash

import (
	"strconv"

	"github.com/rediskit/rediskit/provision"
)

var _ provision.Sizer = (*Backend)(nil)

// Sizing reports what the database's price depends on: its plan, budget and
// regions. The stack's block wins; state fills in what a block leaves open
// (the plan Upstash picked for an account default) or no longer has.
func (b *Backend) Sizing(spec provision.Spec, rec *provision.Record) provision.Sizing {
	sz := provision.Sizing{Provider: b.Type()}
	if s, ok := spec.(*Spec); ok && s != nil {
		sz.Region, sz.Plan, sz.BudgetUSD, sz.ReadRegions = s.PrimaryRegion, s.Plan, s.Budget, len(s.ReadRegions)
	} else if rec != nil {
		sz.Region = rec.Attrs["primary_region"]
		sz.ReadRegions = len(splitRegions(rec.Attrs["read_regions"]))
		if n, err := strconv.Atoi(rec.Attrs["budget"]); err == nil && n > 0 {
			sz.BudgetUSD = &n
		}
	}
	if sz.Plan == "" && rec != nil {
		sz.Plan = planOfType(rec.Attrs["type"])
	}
	return sz
}

// planOfType maps the database's "type" to a plan code when it names one;
// "paid" and "pro" do not say which paid plan.
func planOfType(typ string) string {
	switch typ {
	case "free":
		return "free"
	case "payg":
		return "payg"
	}
	return ""
}
