package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/cost"
	"github.com/rediskit/rediskit/provision"
)

// jsonUIVersion is the version of the JSON stream. Fields are only ever
// added; a change that removes or renames one needs a new major version.
const jsonUIVersion = "1.2"

// viewJSON writes one JSON object per line to stdout, each with a "type",
// for pipelines. Secrets are masked exactly as in the human view.
type viewJSON struct {
	out     io.Writer
	started bool
}

var _ view = (*viewJSON)(nil)

func newJSONView(out io.Writer) *viewJSON { return &viewJSON{out: out} }

func (v *viewJSON) emit(level, typ, msg string, fields map[string]any) {
	if !v.started {
		v.started = true
		v.emit("info", "version", "rediskit "+Version, map[string]any{"rediskit": Version, "ui": jsonUIVersion})
	}
	line := map[string]any{"@level": level, "@message": msg, "@timestamp": time.Now().UTC().Format(time.RFC3339Nano), "type": typ}
	for k, val := range fields {
		line[k] = val
	}
	b, err := json.Marshal(line)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"@level": "error", "type": "log", "@message": "cannot encode event: " + err.Error()})
	}
	_, _ = v.out.Write(append(b, '\n'))
}

func (v *viewJSON) Diagnostics(diags hcl.Diagnostics, _ map[string]*hcl.File) {
	for _, d := range diags {
		level := "error"
		if d.Severity == hcl.DiagWarning {
			level = "warn"
		}
		v.emit(level, "diagnostic", d.Summary, map[string]any{"diagnostic": wireDiagnostic(d)})
	}
}

func (v *viewJSON) Error(err error) {
	v.emit("error", "diagnostic", err.Error(), map[string]any{"diagnostic": jsonDiagnostic{
		Severity: "error", Summary: err.Error()}})
}

func (v *viewJSON) Plan(p *provision.Plan) {
	for _, c := range p.Changes {
		if c.Drift != "" {
			v.emit("info", "resource_drift", c.Address+": "+c.Drift, map[string]any{"change": wireChange(c)})
		}
	}
	for _, c := range p.Changes {
		if c.Action != provision.NoOp {
			v.emit("info", "planned_change", c.Address+": plan to "+wireAction(c.Action), map[string]any{"change": wireChange(c)})
		}
	}
	s := p.Summary()
	op := "plan"
	if p.Destroy {
		op = "destroy"
	}
	v.emit("info", "change_summary", "Plan: "+summaryLine(s), map[string]any{"changes": wireChanges(s, op)})
}

func (v *viewJSON) Event(ev provision.Event) {
	typ, known := jsonEventTypes[ev.Type]
	switch {
	case ev.Type == provision.EventWarning || !known:
		msg := ev.Message
		if ev.Address != "" {
			msg = ev.Address + ": " + msg
		}
		v.emit("warn", "log", msg, nil)
	default:
		v.event(typ, ev)
	}
}

// event emits an engine event the stream has a type for.
func (v *viewJSON) event(typ string, ev provision.Event) {
	switch ev.Type {
	case provision.EventVerify:
		v.emit(verifyLevel(ev.Verify), typ, ev.Address+": "+ev.Message,
			map[string]any{"verify": wireVerify(ev.Address, ev.Verify)})
	case provision.EventMigration:
		from, to, _ := strings.Cut(ev.Message, " → ")
		v.emit("info", typ, ev.Address+": "+ev.Message, map[string]any{"migration": jsonMigration{
			Address: ev.Address, From: from, To: to, Steps: ev.Steps}})
	case provision.EventTargetCheck:
		level := map[bool]string{false: "info", true: "error"}[ev.Failed]
		v.emit(level, typ, ev.Address+": "+ev.Message, map[string]any{"target": jsonTargetCheck{
			Address: ev.Address, Passed: !ev.Failed, Message: ev.Message}})
	case provision.EventRefresh:
		v.emit("info", typ, ev.Message, nil)
	default:
		level := "info"
		if ev.Type == provision.EventApplyErrored {
			level = "error"
		}
		action := wireAction(ev.Action)
		msg := strings.TrimSpace(ev.Address + ": " + action + " " + ev.Message)
		v.emit(level, typ, msg, map[string]any{"hook": jsonHook{
			Address: ev.Address, Action: action, ElapsedSeconds: ev.Elapsed.Seconds(), Message: ev.Message}})
	}
}

func verifyLevel(r *provision.VerifyResult) string {
	if r.Passed {
		return "info"
	}
	if r.Unreachable {
		return "warn"
	}
	return "error"
}

func (v *viewJSON) LockWait(held *provision.LockError, next time.Duration) {
	v.emit("warn", "lock_wait", held.Error(), map[string]any{"lock": wireLock(held.Info), "retry_in_seconds": next.Seconds()})
}

func (v *viewJSON) Outputs(outs []outputValue) {
	m := map[string]jsonOutput{}
	for _, o := range outs {
		m[o.Name] = wireOutput(o)
	}
	v.emit("info", "outputs", fmt.Sprintf("Outputs: %d", len(outs)), map[string]any{"outputs": m})
}

// DjangoSettings is refused with --json by `output`; the block is Python,
// so it goes out as a log event's message should it ever be asked for.
func (v *viewJSON) DjangoSettings(env string) {
	v.emit("info", "log", "CHANNEL_LAYERS reads "+env+" (rediskit output --format django)", nil)
}

func (v *viewJSON) Result(r result) {
	fields := map[string]any{"result": r.Kind}
	typ, level := "log", "info"
	if r.Summary != nil {
		typ = "change_summary"
		fields["changes"] = wireChanges(*r.Summary, r.Kind)
	}
	if r.PlanFile != "" {
		fields["plan_file"] = r.PlanFile
	}
	if r.Kind == "error" {
		level = "error"
	}
	v.emit(level, typ, r.Message, fields)
}

// PlanCost emits one cost_estimate event per backend and the cost warnings
// as warn-level log events.
func (v *viewJSON) PlanCost(pc *planCost) {
	demands := map[string]appDemand{}
	for _, d := range pc.Demands {
		demands[d.Address] = d.appDemand
	}
	for _, r := range pc.Rows {
		fields := jsonEstimate(r.Estimate)
		fields["address"], fields["provider"], fields["role"], fields["prices_as_of"] = r.Address, r.Provider, r.Role, pc.AsOf
		if r.Role == roleActive {
			fields["usage"] = jsonDemand(demands[r.Address])
		}
		if r.Before != nil {
			before := jsonEstimate(*r.Before)
			before["provider"] = r.BeforeProvider
			fields["before"] = before
		}
		msg := fmt.Sprintf("%s (%s, %s): %s a month", r.Address, r.Provider, r.Role, priceOrUnknown(r.Estimate))
		v.emit("info", "cost_estimate", msg, map[string]any{"cost": fields})
	}
	v.costWarnings(pc.Warnings)
}

// Cost emits one cost_comparison event per redis block.
func (v *viewJSON) Cost(r *costReport) {
	for _, s := range r.Sections {
		c := s.Comparison
		opts, breaks := []map[string]any{}, []map[string]any{}
		for i, o := range c.Options {
			f := jsonEstimate(o.Estimate)
			f["active"], f["cheapest"] = o.Active, i == c.Cheapest
			opts = append(opts, f)
		}
		for _, b := range c.BreakEvens {
			breaks = append(breaks, map[string]any{"option": b.Option.Label, "commands_per_month": b.CommandsPerMonth, "text": b.String()})
		}
		msg := s.Address + ": no hosted option has a known price"
		if c.Cheapest >= 0 {
			best := c.Options[c.Cheapest]
			msg = fmt.Sprintf("%s: cheapest is %s at %s a month", s.Address, best.Label, cost.USD(best.MonthlyUSD))
		}
		v.emit("info", "cost_comparison", msg, map[string]any{"comparison": map[string]any{
			"address": s.Address, "usage": jsonDemand(s.appDemand), "options": opts, "break_evens": breaks, "active_role": s.Role,
			"reference": wireReferences(c.Reference), "prices_as_of": r.AsOf}})
		v.costWarnings(s.Warnings)
	}
}

func (v *viewJSON) costWarnings(ws []costWarning) {
	for _, w := range ws {
		v.emit("warn", "log", w.Address+": "+w.Message, map[string]any{"cost_warning": map[string]any{
			"address": w.Address, "kind": w.Kind, "message": w.Message}})
	}
}

func jsonEstimate(e cost.Estimate) map[string]any {
	out := map[string]any{"label": e.Label, "plan": e.Plan, "known": e.Known, "fits": e.Fits, "flat": e.Flat,
		"basis": e.Basis, "notes": orEmpty(e.Notes)}
	if e.Known {
		out["monthly_usd"] = cost.Cents(e.MonthlyUSD)
	}
	return out
}

func jsonDemand(d appDemand) map[string]any {
	dm := d.Demand
	out := map[string]any{"source": dm.Source, "storage_gb": dm.StorageGB, "commands_known": dm.CommandsKnown}
	if dm.CommandsKnown {
		out["commands_per_month"] = dm.CommandsPerMonth
	}
	if d.MeasuredBy != "" {
		out["measured_by"], out["basis"] = d.MeasuredBy, dm.Basis
	}
	if b := dm.Model; b != nil {
		out["model"] = map[string]any{"workers": b.Usage.Workers, "layer": b.Usage.Layer, "messages_per_day": b.Usage.MessagesPerDay,
			"idle_commands_per_worker": b.IdlePerWorker, "idle_commands": b.IdleCommands, "message_commands": b.MessageCommands}
	}
	return out
}

// orEmpty keeps an empty list an array in the stream rather than null.
func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
