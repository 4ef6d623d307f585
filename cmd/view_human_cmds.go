package cmd

import (
	"encoding/json"
	"fmt"
)

// StateList prints one tab-separated line per resource, backends first:
// address, status and id for a backend, address and redis block for a target.
func (v *viewHuman) StateList(rs []stateResource) {
	for _, r := range rs {
		if r.Target {
			fmt.Fprintf(v.out, "%s\tredis.%s\n", r.Address, r.Redis)
		} else {
			fmt.Fprintf(v.out, "%s\t%s\t%s\n", r.Address, r.Status, r.ID)
		}
	}
}

// StateShow prints the entry as the state file holds it, indented.
func (v *viewHuman) StateShow(_ string, entry any) {
	b, err := json.MarshalIndent(entry, "", "  ")
	if err != nil {
		v.Error(fmt.Errorf("state show: %w; this is a bug in rediskit, please report it", err))
		return
	}
	fmt.Fprintln(v.out, string(b))
}

// Formatted prints the file's name, then its diff when asked for.
func (v *viewHuman) Formatted(f formatted) {
	fmt.Fprintln(v.out, f.File)
	fmt.Fprint(v.out, f.Diff)
}

// StackEdit prints the diff on stderr, so that stdout stays the apply's.
func (v *viewHuman) StackEdit(_, diff string) {
	fmt.Fprint(v.err, diff)
}

// Approval asks on stdout when it can; when it cannot, the error that
// ends the command says why, so nothing is printed here.
func (v *viewHuman) Approval(operation string, canAsk bool) {
	if canAsk {
		fmt.Fprintf(v.out, "\nDo you want to %s? Only 'yes' will be accepted.\n  Enter a value: ", operation)
	}
}
