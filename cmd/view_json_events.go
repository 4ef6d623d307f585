package cmd

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/provision"
)

// The wire types of the stream's event objects that are not engine types
// marshalled whole (view_json_wire.go has those). Their fields are in the
// order of their JSON names, the order the stream has always printed them.

// jsonEventTypes names each engine event on the stream. The engine's
// names happen to be the same; this table keeps the stream's own.
var jsonEventTypes = map[provision.EventType]string{
	provision.EventRefresh:       "refresh_complete",
	provision.EventApplyStart:    "apply_start",
	provision.EventApplyProgress: "apply_progress",
	provision.EventApplyComplete: "apply_complete",
	provision.EventApplyErrored:  "apply_errored",
	provision.EventVerify:        "verify_result",
	provision.EventMigration:     "migration_plan",
	provision.EventTargetCheck:   "target_check",
}

// jsonActions names each plan action on the stream (the schema's action).
var jsonActions = map[provision.Action]string{
	provision.NoOp: "no-op", provision.Create: "create", provision.Update: "update", provision.Replace: "replace",
	provision.Delete: "delete", provision.Bind: "bind", provision.Unbind: "unbind",
}

// wireAction names a on the stream; an action the table lacks (a new one
// the schema does not list yet) keeps the engine's name.
func wireAction(a provision.Action) string {
	if name, ok := jsonActions[a]; ok {
		return name
	}
	return string(a)
}

// jsonHook is the step an apply_* event is about.
type jsonHook struct {
	Action         string  `json:"action"`
	Address        string  `json:"address"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Message        string  `json:"message"`
}

// jsonVerify is a verify_result's outcome.
type jsonVerify struct {
	Address          string      `json:"address"`
	BillableCommands int         `json:"billable_commands"`
	Checks           []jsonCheck `json:"checks"`
	Error            string      `json:"error,omitempty"`
	Failure          string      `json:"failure"`
	LatencyMedianMS  float64     `json:"latency_median_ms"`
	LatencyWorstMS   float64     `json:"latency_worst_ms"`
	Passed           bool        `json:"passed"`
	Unreachable      bool        `json:"unreachable"`
}

func wireVerify(addr string, r *provision.VerifyResult) jsonVerify {
	out := jsonVerify{Address: addr, Passed: r.Passed, Unreachable: r.Unreachable, Checks: wireChecks(r.Checks),
		LatencyMedianMS: float64(r.LatencyMedian.Microseconds()) / 1000, LatencyWorstMS: float64(r.LatencyWorst.Microseconds()) / 1000,
		BillableCommands: r.BillableCommands, Failure: r.Failure}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return out
}

// jsonMigration is a migration_plan's provider switch.
type jsonMigration struct {
	Address string   `json:"address"`
	From    string   `json:"from"`
	Steps   []string `json:"steps"`
	To      string   `json:"to"`
}

// jsonTargetCheck is a target_check's outcome.
type jsonTargetCheck struct {
	Address string `json:"address"`
	Message string `json:"message"`
	Passed  bool   `json:"passed"`
}

// jsonChanges is a change_summary's counts.
type jsonChanges struct {
	Bind      int    `json:"bind"`
	Create    int    `json:"create"`
	Delete    int    `json:"delete"`
	Operation string `json:"operation"`
	Replace   int    `json:"replace"`
	Unbind    int    `json:"unbind"`
	Update    int    `json:"update"`
}

func wireChanges(s provision.Summary, op string) jsonChanges {
	return jsonChanges{Create: s.Create, Update: s.Update, Replace: s.Replace, Delete: s.Delete,
		Bind: s.Bind, Unbind: s.Unbind, Operation: op}
}

// jsonDiagnostic is a diagnostic event's problem.
type jsonDiagnostic struct {
	Detail   string     `json:"detail"`
	Range    *jsonRange `json:"range,omitempty"`
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
}

// jsonRange is where in a stack file a diagnostic points.
type jsonRange struct {
	End      jsonPos `json:"end"`
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
}

// jsonPos is a position in a stack file.
type jsonPos struct {
	Byte   int `json:"byte"`
	Column int `json:"column"`
	Line   int `json:"line"`
}

func wireDiagnostic(d *hcl.Diagnostic) jsonDiagnostic {
	out := jsonDiagnostic{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagError {
		out.Severity = "error"
	}
	if s := d.Subject; s != nil {
		out.Range = &jsonRange{Filename: s.Filename,
			Start: jsonPos{Line: s.Start.Line, Column: s.Start.Column, Byte: s.Start.Byte},
			End:   jsonPos{Line: s.End.Line, Column: s.End.Column, Byte: s.End.Byte}}
	}
	return out
}
