package cmd

import (
	"fmt"

	"github.com/rediskit/rediskit/provision"
)

// StateList emits one state_list event with every resource.
func (v *viewJSON) StateList(rs []stateResource) {
	out := []jsonStateResource{}
	for _, r := range rs {
		kind := map[bool]string{false: "backend", true: "target"}[r.Target]
		out = append(out, jsonStateResource{Address: r.Address, Kind: kind, Redis: r.Redis, Type: r.Type, Status: r.Status, ID: r.ID})
	}
	v.emit("info", "state_list", plural(len(rs), "resource")+" in state", map[string]any{"resources": out})
}

// StateShow emits a state_record event with the entry under the field of
// its kind: redis, backend or target.
func (v *viewJSON) StateShow(addr string, entry any) {
	fields := map[string]any{"address": addr}
	switch e := entry.(type) {
	case *provision.RedisState:
		fields["redis"] = wireStateRedis(e)
	case *provision.BackendState:
		fields["backend"] = wireStateBackend(e)
	case *provision.TargetState:
		fields["target"] = wireStateTarget(e)
	default:
		v.Error(fmt.Errorf("state show %s: cannot show a %T; this is a bug in rediskit, please report it", addr, entry))
		return
	}
	v.emit("info", "state_record", addr, fields)
}

// Formatted emits a fmt_file event.
func (v *viewJSON) Formatted(f formatted) {
	v.emit("info", "fmt_file", f.File, map[string]any{"format": jsonFormat(f)})
}

// StackEdit emits a stack_edit event with the diff (on stdout, as every
// event is).
func (v *viewJSON) StackEdit(file, diff string) {
	v.emit("info", "stack_edit", "edited "+file, map[string]any{"edit": jsonStackEdit{File: file, Diff: diff}})
}

// Approval emits an approval_required event: --json never prompts, so the
// command then ends with a diagnostic.
func (v *viewJSON) Approval(operation string, _ bool) {
	v.emit("warn", "approval_required", operation+" needs approval; rerun with --auto-approve",
		map[string]any{"approval": jsonApproval{Operation: operation, Flag: "--auto-approve"}})
}
