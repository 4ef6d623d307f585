package upstash

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// readRegions decodes read_regions. A literal list is decoded element by
// element so that a bad region is reported at its own position.
func (d *decoder) readRegions(primary string) []string {
	attr, ok := d.Attrs["read_regions"]
	if !ok {
		return nil
	}
	elems, listDiags := hcl.ExprList(attr.Expr)
	if listDiags.HasErrors() {
		// Not a literal list (a variable, say): decode it whole.
		var regions []string
		if diags := gohcl.DecodeExpression(attr.Expr, d.Eval, &regions); diags.HasErrors() {
			d.Diags = append(d.Diags, diags...)
			return nil
		}
		for _, r := range regions {
			d.checkReadRegion(r, primary, attr.Expr.Range(), attr.Range)
		}
		return normalizeRegions(regions)
	}
	var regions []string
	for _, e := range elems {
		var r string
		if diags := gohcl.DecodeExpression(e, d.Eval, &r); diags.HasErrors() {
			d.Diags = append(d.Diags, diags...)
			continue
		}
		d.checkReadRegion(r, primary, e.Range(), attr.Range)
		regions = append(regions, r)
	}
	return normalizeRegions(regions)
}

func (d *decoder) checkReadRegion(region, primary string, subject, context hcl.Range) {
	switch {
	case region == primary:
		d.FailAt(subject, context, "Primary region listed as a read region",
			fmt.Sprintf("%q is the primary region and serves reads already; remove it from read_regions.", region))
	case !validReadRegion(region):
		d.FailAt(subject, context, "Unknown Upstash read region",
			fmt.Sprintf("%q is not an Upstash read region. Read regions are AWS regions: %s.", region, readRegionList()))
	}
}

// normalizeRegions sorts and deduplicates, so that order in the stack file
// never shows up as a change.
func normalizeRegions(regions []string) []string {
	if len(regions) == 0 {
		return nil
	}
	out := slices.Clone(regions)
	slices.Sort(out)
	return slices.Compact(out)
}
