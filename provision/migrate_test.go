package provision_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

const twoTargets = oneStack + `
target "fake" "worker" {
  redis = redis.channels
  key   = "worker"
}
`

func switchTo(src, typ string) string {
	return strings.Replace(src, `provider = "fake"`, `provider = "`+typ+`"`, 1)
}

func TestFailedSwitchPutsEveryTargetBack(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(twoTargets))
	oldURL, _ := w.targets.Value("web")

	// The second target to switch fails: the first must come back too.
	failOnce := true
	w.targets.Fail = func(op, key string) error {
		if op == "write" && key == "worker" && failOnce {
			failOnce = false
			return errors.New("new revision failed: container did not start")
		}
		return nil
	}
	err := w.apply(w.stack(switchTo(twoTargets, "other")))
	if err == nil || !strings.Contains(err.Error(), "Every target of redis.channels is back on the fake backend") ||
		!strings.Contains(err.Error(), "container did not start") || !strings.Contains(err.Error(), "rediskit migrate --to fake") {
		t.Fatalf("err = %v", err)
	}
	for _, key := range []string{"web", "worker"} {
		if got, _ := w.targets.Value(key); got != oldURL {
			t.Fatalf("%s holds %q, want the old URL back", key, got)
		}
	}
	rs := w.state().RedisByName("channels")
	if rs.Active().Type != "fake" || rs.Backend("other").Status != provision.BackendStandby {
		t.Fatalf("after the failed switch: active %s, other %s", rs.Active().Type, rs.Backend("other").Status)
	}

	// Retrying completes the switch and reuses the standby backend.
	w.mustApply(w.stack(switchTo(twoTargets, "other")))
	if w.other.Count() != 1 {
		t.Fatalf("%d other backends", w.other.Count())
	}
	if got, _ := w.targets.Value("worker"); !strings.Contains(got, "other-channels") {
		t.Fatalf("worker holds %q", got)
	}
}

func oldURLOf(w *world) string {
	v, _ := w.targets.Value("web")
	return v
}

func TestSwitchCopiesThenDeletesOld(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	p, st := w.plan(w.stack(switchTo(oneStack, "other")))
	steps := p.MigrationSteps(p.Changes[0], true, true)
	if len(steps) < 5 || !strings.Contains(strings.Join(steps, "\n"), "copy every key") ||
		!strings.Contains(strings.Join(steps, "\n"), "delete the fake backend") {
		t.Fatalf("steps: %q", steps)
	}
	var copied []string
	copyFn := func(_ context.Context, from, to *provision.Instance, _ func(string)) error {
		if _, ok := w.targets.Value("web"); ok && strings.Contains(oldURLOf(w), "other") {
			t.Fatal("copy after the target moved")
		}
		copied = append(copied, from.ID+"->"+to.ID)
		return nil
	}
	if err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{Copy: copyFn, DeleteOld: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(copied, ",") != "fake-channels->other-channels" {
		t.Fatalf("copied %v", copied)
	}
	if w.fake.Count() != 0 {
		t.Fatal("--delete-old kept the old backend")
	}
	rs := w.state().RedisByName("channels")
	if len(rs.Backends) != 1 || rs.Active().Type != "other" {
		t.Fatalf("state: %+v", rs.Backends)
	}
}

func TestFailedCopyMovesNoTarget(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	before, _ := w.targets.Value("web")
	p, st := w.plan(w.stack(switchTo(oneStack, "other")))
	err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{
		Copy: func(context.Context, *provision.Instance, *provision.Instance, func(string)) error {
			return errors.New("RESTORE refused")
		}})
	if err == nil || !strings.Contains(err.Error(), "no target was changed") {
		t.Fatalf("err = %v", err)
	}
	if after, _ := w.targets.Value("web"); after != before {
		t.Fatal("target moved although the copy failed")
	}
}

func TestPruneDeletesRetainedOnly(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	switched := w.stack(switchTo(oneStack, "other"))
	w.mustApply(switched)
	st, _ := w.engine.ReadState(context.Background())
	p, err := w.engine.PlanPrune(context.Background(), switched, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); got != "delete redis.channels" || p.Changes[0].Type != "fake" {
		t.Fatalf("prune plan = %q (%s)", got, p.Changes[0].Type)
	}
	if err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{SkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if w.fake.Count() != 0 || w.other.Count() != 1 {
		t.Fatalf("fake %d other %d", w.fake.Count(), w.other.Count())
	}
	if p, _ := w.plan(switched); p.HasChanges() {
		t.Fatalf("after prune: %q", actions(p))
	}
}
