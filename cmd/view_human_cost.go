package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/rediskit/rediskit/cost"
)

// PlanCost prints the estimate below a plan. A stack of local backends
// costs nothing and gets no section.
func (v *viewHuman) PlanCost(pc *planCost) {
	if !pc.hasPaid() {
		return
	}
	fmt.Fprintf(v.out, "\n%s\n", v.paint(ansiBold, "Monthly cost estimate:"))
	for _, d := range pc.Demands {
		fmt.Fprintf(v.out, "  %s usage: %s\n", d.Address, describeDemand(d.appDemand))
	}
	tw := tabwriter.NewWriter(v.out, 0, 0, 2, ' ', 0)
	for _, r := range pc.Rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Address, r.Provider, r.Role, price(r.Estimate), howLine(r.Estimate, true))
	}
	_ = tw.Flush()
	for _, r := range pc.Rows {
		if r.Before != nil {
			fmt.Fprintf(v.out, "  %s: %s\n", r.Address, switchLine(r))
		}
	}
	fmt.Fprintf(v.out, "  Prices as of %s; `rediskit cost` compares every option.\n", pc.AsOf)
	v.costWarnings(pc.Warnings)
}

// Cost prints `rediskit cost`'s comparison, one section per redis block.
func (v *viewHuman) Cost(r *costReport) {
	for i, s := range r.Sections {
		if i > 0 {
			fmt.Fprintln(v.out)
		}
		fmt.Fprintf(v.out, "%s: %s\n\n", v.paint(ansiBold, s.Address), describeDemand(s.appDemand))
		v.options(s.Comparison, s.Role)
		v.reference(s.Comparison.Reference)
		if len(s.Comparison.BreakEvens) > 0 {
			fmt.Fprintln(v.out, "\n  When to switch:")
			for _, b := range s.Comparison.BreakEvens {
				fmt.Fprintf(v.out, "  %s\n", b)
			}
		}
		v.costWarnings(s.Warnings)
	}
	fmt.Fprintf(v.out, "\nPrices as of %s. Estimates, not quotes: docs/cost-model.md shows every formula and source.\n", r.AsOf)
}

func (v *viewHuman) options(c cost.Comparison, role string) {
	tw := tabwriter.NewWriter(v.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  OPTION\t\tMONTHLY\tHOW")
	for i, o := range c.Options {
		label, mark := o.Label, ""
		if o.Active {
			label += " (" + role + ")"
		}
		if i == c.Cheapest {
			mark = "*"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", label, mark, price(o.Estimate), howLine(o.Estimate, false))
	}
	_ = tw.Flush()
	if c.Cheapest >= 0 {
		fmt.Fprintln(v.out, "  * cheapest hosted option that fits")
	}
}

func (v *viewHuman) reference(rows []cost.ReferenceRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(v.out, "\n  For comparison (rediskit cannot create these yet):")
	tw := tabwriter.NewWriter(v.out, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		how := r.Includes
		if r.USDPerMonth.Unconfirmed {
			how += "; unconfirmed price"
		}
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", r.Provider, r.Plan, cost.USD(r.USDPerMonth.Value), how)
	}
	_ = tw.Flush()
}

func (v *viewHuman) costWarnings(ws []costWarning) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintln(v.out)
	for _, w := range ws {
		fmt.Fprintf(v.out, "  %s %s: %s.\n", v.paint(ansiYellow+ansiBold, "Warning:"), w.Address, w.Message)
	}
}

// price is an estimate's money column.
func price(e cost.Estimate) string {
	switch {
	case !e.Fits:
		return "does not fit"
	case !e.Known:
		return "unknown"
	}
	return cost.USD(e.MonthlyUSD)
}

// howLine explains an estimate: its basis and caveats, led by its label
// where the row does not already name the option.
func howLine(e cost.Estimate, withLabel bool) string {
	parts := append([]string{e.Basis}, e.Notes...)
	s := strings.Join(parts, "; ")
	if withLabel {
		s = e.Label + ": " + s
	}
	return s
}

// switchLine compares the backend serving now with the one a switch makes
// active: "upstash $6.20 → memorystore $35.77 a month (+$29.57)".
func switchLine(r costRow) string {
	s := fmt.Sprintf("switching from %s (%s) to %s (%s)", r.BeforeProvider, priceOrUnknown(*r.Before), r.Provider, priceOrUnknown(r.Estimate))
	if r.Before.Known && r.Before.Fits && r.Estimate.Known {
		diff := cost.Cents(r.Estimate.MonthlyUSD) - cost.Cents(r.Before.MonthlyUSD)
		sign := "+"
		if diff < 0 {
			sign, diff = "-", -diff
		}
		s += fmt.Sprintf(": %s%s a month", sign, cost.USD(diff))
	}
	return s
}

func priceOrUnknown(e cost.Estimate) string {
	if !e.Known {
		return "price unknown"
	}
	return cost.USD(e.MonthlyUSD)
}

// describeDemand says what an estimate is based on and where it comes from.
func describeDemand(d appDemand) string {
	dm := d.Demand
	var s string
	switch {
	case d.MeasuredBy != "":
		s = fmt.Sprintf("measured by %s: %s commands a month (%s)", d.MeasuredBy, cost.Count(dm.CommandsPerMonth), dm.Basis)
	case dm.Model != nil:
		s = modelText(dm) + " (" + sourceText(dm.Source) + ")"
	case dm.CommandsKnown:
		s = fmt.Sprintf("%s commands a month (%s)", cost.Count(dm.CommandsPerMonth), sourceText(dm.Source))
	default:
		s = "unknown (no usage { } block): prices that depend on commands are not given"
	}
	if dm.StorageGB > 0 {
		s += fmt.Sprintf(", %s GB stored", cost.GB(dm.StorageGB))
	}
	return s
}

func sourceText(source string) string {
	if source == cost.SourceWhatIf {
		return "what if, from the flags"
	}
	return "from the usage block"
}

// modelText shows the usage model's arithmetic: "2 workers on the core
// layer, 50K messages a day → 19.4M commands a month (4.2M idle polling +
// 15.2M for messages)".
func modelText(d cost.Demand) string {
	b := d.Model
	u := b.Usage
	s := fmt.Sprintf("%s on the %s layer, %s messages a day → %s commands a month", plural(u.Workers, "worker"), u.Layer,
		cost.Count(u.MessagesPerDay), cost.Count(d.CommandsPerMonth))
	var terms []string
	if b.IdleCommands > 0 {
		terms = append(terms, fmt.Sprintf("%s idle polling", cost.Count(b.IdleCommands)))
	}
	if b.MessageCommands > 0 {
		terms = append(terms, fmt.Sprintf("%s for messages", cost.Count(b.MessageCommands)))
	}
	if len(terms) > 0 {
		s += " = " + strings.Join(terms, " + ")
	}
	return s
}
