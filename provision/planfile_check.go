package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CheckStack refuses the plan file when stack is not what the plan was made
// from: other stack source or other variable values.
func (pf *PlanFile) CheckStack(stack *Stack) error {
	src, err := stackSource(stack)
	if err != nil {
		return err
	}
	if digest(src) != pf.StackSHA256 {
		return fmt.Errorf("the stack file %s changed since the plan %s was made; %s to plan the stack as it is now",
			stack.File, pf.name(), pf.again())
	}
	vars, err := VarsDigest(stack)
	if err != nil {
		return err
	}
	if vars != pf.VarsSHA256 {
		return fmt.Errorf("the stack's variable values differ from those the plan %s was made with; give apply the same "+
			"--var flags and %sNAME environment variables as plan, or %s", pf.name(), VarEnvPrefix, pf.again())
	}
	return nil
}

// PlanSaved re-plans a saved plan against the state st, read under the lock,
// and returns the fresh plan, ready for Apply, when it is exactly the saved
// one. It refuses a plan made by another rediskit version, a plan made from
// another state (lineage or serial differ: someone applied since), and one
// whose changes (address, type, action) differ from what reality now needs.
// A plan made before any state existed gives its lineage to st.
func (e *Engine) PlanSaved(ctx context.Context, pf *PlanFile, stack *Stack, st *State) (*Plan, error) {
	if pf.RediskitVersion != e.Version {
		return nil, fmt.Errorf("the plan %s was made by rediskit %s, but this is rediskit %s; %s with this version",
			pf.name(), pf.RediskitVersion, e.Version, pf.again())
	}
	if err := pf.checkState(st); err != nil {
		return nil, err
	}
	var p *Plan
	var err error
	if pf.Destroy {
		p, err = e.PlanDestroy(ctx, stack, st)
	} else {
		p, err = e.Plan(ctx, stack, st)
	}
	if err != nil {
		return nil, err
	}
	if diff := changeDiff(pf.Changes, p.Changes); diff != "" {
		return nil, fmt.Errorf("what is running changed since the plan %s was made (%s); %s and review the new plan",
			pf.name(), diff, pf.again())
	}
	return p, nil
}

func (pf *PlanFile) checkState(st *State) error {
	if pf.Serial != st.Serial {
		return fmt.Errorf("the state changed since this plan was made (serial %d → %d); %s", pf.Serial, st.Serial, pf.again())
	}
	if pf.Serial == 0 {
		// Neither existed: the state about to be written is the one the
		// plan was made for, so it takes the plan's lineage.
		st.Lineage = pf.Lineage
		return nil
	}
	if pf.Lineage != st.Lineage {
		return fmt.Errorf("the plan %s was made from another state (lineage %s; the stack's state has lineage %s); %s",
			pf.name(), pf.Lineage, st.Lineage, pf.again())
	}
	return nil
}

// changeDiff says how the changes now differ from the saved ones, compared
// as ordered (action, address, type) triples; "" when they match.
func changeDiff(saved, now []*Change) string {
	was, is := changeKeys(saved), changeKeys(now)
	if slices.Equal(was, is) {
		return ""
	}
	var parts []string
	if gone := minus(was, is); len(gone) > 0 {
		parts = append(parts, "the plan has "+strings.Join(gone, ", "))
	}
	if added := minus(is, was); len(added) > 0 {
		parts = append(parts, "now needed: "+strings.Join(added, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "the same changes, in another order")
	}
	return strings.Join(parts, "; ")
}

func changeKeys(cs []*Change) []string {
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = fmt.Sprintf("%s %s (%s)", c.Action, c.Address, c.Type)
	}
	return keys
}

// minus returns the elements of a that b lacks, counting repeats.
func minus(a, b []string) []string {
	left := map[string]int{}
	for _, k := range b {
		left[k]++
	}
	var out []string
	for _, k := range a {
		if left[k] > 0 {
			left[k]--
			continue
		}
		out = append(out, k)
	}
	return out
}

func (pf *PlanFile) name() string {
	if pf.path == "" {
		return "file"
	}
	return pf.path
}

// again is the command that makes a fresh plan like this one.
func (pf *PlanFile) again() string {
	cmd := "rediskit plan"
	if pf.Destroy {
		cmd += " --destroy"
	}
	out := pf.path
	if out == "" {
		out = "FILE"
	}
	cmd += " --out " + out
	if pf.Stack != "" && pf.Stack != "stack.hcl" {
		cmd += " " + pf.Stack
	}
	return "run `" + cmd + "` again"
}
