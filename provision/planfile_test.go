package provision_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// savePlan plans stack against the stored state and round-trips the plan
// through a plan file in the world's folder.
func (w *world) savePlan(stack *provision.Stack, destroy bool) *provision.PlanFile {
	w.t.Helper()
	st, err := w.engine.ReadState(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	p, err := w.engine.Plan(context.Background(), stack, st)
	if destroy {
		p, err = w.engine.PlanDestroy(context.Background(), stack, st)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	pf, err := provision.NewPlanFile(stack, p, w.engine.Version, time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.dir, "plan.json")
	if err := pf.Write(path); err != nil {
		w.t.Fatal(err)
	}
	back, err := provision.ReadPlanFile(path)
	if err != nil || back == nil {
		w.t.Fatalf("read back: %v, %v", back, err)
	}
	return back
}

// applySaved runs a saved plan the way `rediskit apply FILE` does.
func (w *world) applySaved(pf *provision.PlanFile, stack *provision.Stack) error {
	if err := pf.CheckStack(stack); err != nil {
		return err
	}
	st, err := w.engine.ReadState(context.Background())
	if err != nil {
		return err
	}
	p, err := w.engine.PlanSaved(context.Background(), pf, stack, st)
	if err != nil {
		return err
	}
	return w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{SkipVerify: pf.Destroy})
}

func TestPlanFileRecordsItsOriginAndNoSecret(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)
	w.targets.Set("web", "redis://elsewhere:6379") // a bind whose URL is known at plan time

	pf := w.savePlan(stack, false)
	path := filepath.Join(w.dir, "plan.json")
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("plan file mode: %v %v", info, err)
	}
	st := w.state()
	if pf.Format != provision.PlanFileFormat || pf.FormatVersion != provision.PlanFileFormatVersion ||
		pf.RediskitVersion != "test" || pf.Lineage != st.Lineage || pf.Serial != st.Serial || pf.Serial == 0 ||
		pf.Stack != stack.File || len(pf.StackSHA256) != 64 || len(pf.VarsSHA256) != 64 || pf.Path() != path {
		t.Fatalf("plan file = %+v, state lineage %s serial %d", pf, st.Lineage, st.Serial)
	}
	if len(pf.Changes) != 2 || pf.Changes[1].Action != provision.Bind || !strings.Contains(pf.Changes[1].URL, provision.Masked) {
		t.Fatalf("changes = %+v", pf.Changes)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "secret-") {
		t.Fatalf("plan file holds a password:\n%s", data)
	}
}

func TestReadPlanFileTellsPlansFromStacks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, path := range map[string]string{
		"stack":   write("plan.json", oneStack), // the content decides, not the name
		"missing": filepath.Join(dir, "nothing.hcl"),
		"folder":  dir,
		"json":    write("other.json", `{"format": "something-else"}`),
	} {
		if pf, err := provision.ReadPlanFile(path); pf != nil || err != nil {
			t.Errorf("%s: %+v, %v; want not a plan", name, pf, err)
		}
	}
	for name, tc := range map[string]struct{ body, want string }{
		"damaged": {`{"format": "rediskit-plan", "changes": [`, "damaged"},
		"newer":   {`{"format": "rediskit-plan", "format_version": 99}`, "format version 99"},
	} {
		if _, err := provision.ReadPlanFile(write(name+".hcl", tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestSavedPlanAppliesAndGivesNewStateItsLineage(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	pf := w.savePlan(stack, false)
	if pf.Serial != 0 || pf.Lineage == "" {
		t.Fatalf("plan from no state: serial %d lineage %q", pf.Serial, pf.Lineage)
	}
	if err := w.applySaved(pf, stack); err != nil {
		t.Fatal(err)
	}
	if st := w.state(); st.Lineage != pf.Lineage || w.fake.Count() != 1 {
		t.Fatalf("state lineage %s, plan %s; %d instances", st.Lineage, pf.Lineage, w.fake.Count())
	}
	if err := w.applySaved(pf, stack); err == nil || !strings.Contains(err.Error(), "the state changed since this plan was made (serial 0 → ") {
		t.Fatalf("second apply of one plan: %v", err)
	}
}

func TestSavedPlanRefusesAStateChangedSince(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)
	bigger := w.stack(strings.Replace(oneStack, `"small"`, `"large"`, 1))
	pf := w.savePlan(bigger, false)
	before := w.state().Serial

	w.mustApply(bigger) // someone else applied meanwhile
	err := w.applySaved(pf, bigger)
	want := "the state changed since this plan was made (serial " + strconv.FormatInt(before, 10) + " → " + strconv.FormatInt(w.state().Serial, 10) +
		"); run `rediskit plan --out " + pf.Path() + " " + bigger.File + "` again"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant   %s", err, want)
	}

	pf = w.savePlan(bigger, false)
	pf.Lineage = "0000-other"
	if err := w.applySaved(pf, bigger); err == nil || !strings.Contains(err.Error(), "made from another state (lineage 0000-other") {
		t.Fatalf("other lineage: %v", err)
	}
}

func TestSavedPlanRefusesDrift(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)
	pf := w.savePlan(stack, false)

	w.fake.Vanish("fake-channels")
	err := w.applySaved(pf, stack)
	if err == nil || !strings.Contains(err.Error(), "what is running changed since the plan") ||
		!strings.Contains(err.Error(), "the plan has no-op redis.channels (fake), no-op target.fake.web (fake)") ||
		!strings.Contains(err.Error(), "now needed: create redis.channels (fake), bind target.fake.web (fake)") {
		t.Fatalf("err = %v", err)
	}
	if w.fake.Count() != 0 {
		t.Fatal("a refused plan created something")
	}
}

func TestSavedPlanRefusesOtherStackOrVars(t *testing.T) {
	w := newWorld(t)
	src := "variable \"size\" {\n  default = \"small\"\n}\n" + strings.Replace(oneStack, `"small"`, "var.size", 1)
	load := func(src string, vars map[string]string) *provision.Stack {
		st, diags := provision.ParseStack([]byte(src), filepath.Join(w.dir, "stack.hcl"),
			provision.LoadOptions{Registry: w.engine.Registry, Vars: vars, Getenv: func(string) string { return "" }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return st
	}
	pf := w.savePlan(load(src, nil), false)
	if err := pf.CheckStack(load(src, nil)); err != nil {
		t.Fatalf("same stack refused: %v", err)
	}
	if err := pf.CheckStack(load(src+"# a comment\n", nil)); err == nil || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("edited stack: %v", err)
	}
	err := pf.CheckStack(load(src, map[string]string{"size": "large"}))
	if err == nil || !strings.Contains(err.Error(), "variable values differ") || strings.Contains(err.Error(), "large") {
		t.Fatalf("other vars: %v", err)
	}
}

func TestSavedPlanRefusesAnotherVersion(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	pf := w.savePlan(stack, false)
	w.engine.Version = "test-2"
	if err := w.applySaved(pf, stack); err == nil || !strings.Contains(err.Error(), "made by rediskit test, but this is rediskit test-2") {
		t.Fatalf("err = %v", err)
	}
}

func TestSavedDestroyPlan(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)
	pf := w.savePlan(stack, true)
	if !pf.Destroy {
		t.Fatal("destroy not recorded")
	}
	if err := w.applySaved(pf, stack); err != nil {
		t.Fatal(err)
	}
	if w.fake.Count() != 0 {
		t.Fatalf("%d instances left", w.fake.Count())
	}
}
