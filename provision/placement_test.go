package provision_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

// placingBackend is a fake backend whose instances live on the network
// named by their spec's region.
type placingBackend struct{ *provisiontest.FakeBackend }

func (b placingBackend) Placement(spec provision.Spec) provision.Placement {
	return provision.Placement{Private: true, Network: "projects/p/global/networks/" + spec.(*provisiontest.FakeSpec).Region}
}

// checkingTarget is a fake target that checks placements, records what
// it is given and can be made to stop in the middle of a write.
type checkingTarget struct {
	*provisiontest.FakeTarget
	refuse    bool                // CheckPlacement refuses private placements
	placement provision.Placement // last CheckPlacement's
	conns     []provision.Connection
	interrupt bool // Write records a pending revision and stops
	deleted   []string
}

func (t *checkingTarget) CheckPlacement(_ context.Context, attrs provision.TargetAttrs, p provision.Placement) error {
	t.placement = p
	if t.refuse && p.Private {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot reach " + p.Network, Detail: "Add a vpc block."}
	}
	return nil
}

func (t *checkingTarget) Write(ctx context.Context, attrs provision.TargetAttrs, conn provision.Connection) error {
	t.conns = append(t.conns, conn)
	if t.interrupt {
		if err := conn.Record(map[string]string{provision.PendingNote: "revision web-00002", "revision": "web-00002"}); err != nil {
			return err
		}
		return context.Canceled
	}
	if err := conn.Record(nil); err != nil {
		return err
	}
	return t.FakeTarget.Write(ctx, attrs, conn)
}

func (t *checkingTarget) DeleteSecrets(_ context.Context, attrs provision.TargetAttrs) error {
	t.deleted = append(t.deleted, attrs["key"])
	return nil
}

func placingWorld(t *testing.T) (*world, *checkingTarget) {
	w := &world{t: t, dir: t.TempDir(), fake: provisiontest.NewFakeBackend("fake"), store: &provisiontest.MemStore{}}
	target := &checkingTarget{FakeTarget: provisiontest.NewFakeTarget("fake")}
	w.targets = target.FakeTarget
	reg := provision.NewRegistry()
	reg.AddBackend(placingBackend{w.fake})
	reg.AddTarget(target)
	w.engine = &provision.Engine{Registry: reg, Store: w.store, Version: "test",
		Observe: func(ev provision.Event) { w.events = append(w.events, ev) }}
	return w, target
}

const placedStack = `
redis "channels" {
  provider = "fake"
  fake {
    region = "vpc-a"
  }
}
target "fake" "web" {
  redis = redis.channels
  key   = "web"
}
`

func TestPlacementRefusedAtPlanTime(t *testing.T) {
	w, target := placingWorld(t)
	target.refuse = true
	stack := w.stack(placedStack)
	st, _ := w.engine.ReadState(context.Background())
	_, err := w.engine.Plan(context.Background(), stack, st)
	var diags hcl.Diagnostics
	if !errors.As(err, &diags) || len(diags) != 1 || diags[0].Summary != "Cannot reach projects/p/global/networks/vpc-a" {
		t.Fatalf("err = %v", err)
	}
	if s := diags[0].Subject; s == nil || filepath.Base(s.Filename) != "stack.hcl" || s.Start.Line != 8 {
		t.Errorf("subject = %v, want the target block", s)
	}
	if w.fake.Count() != 0 {
		t.Error("something was created")
	}
}

func TestConnectionCarriesPlacement(t *testing.T) {
	w, target := placingWorld(t)
	w.mustApply(w.stack(placedStack))
	if !target.placement.Private || len(target.conns) != 1 || target.conns[0].Network != "projects/p/global/networks/vpc-a" {
		t.Errorf("placement %+v, connections %+v", target.placement, target.conns)
	}
}

func TestInterruptedWriteIsReconciled(t *testing.T) {
	w, target := placingWorld(t)
	stack := w.stack(placedStack)
	target.interrupt = true
	if err := w.apply(stack); !errors.Is(err, context.Canceled) {
		t.Fatalf("apply: %v", err)
	}
	ts := w.state().Target("fake", "web")
	if ts == nil || ts.Pending["revision"] != "web-00002" || ts.URLFingerprint != "" {
		t.Fatalf("state after the interrupt: %+v", ts)
	}
	p, _ := w.plan(stack)
	if c := p.Changes[len(p.Changes)-1]; c.Action != provision.Bind || !strings.Contains(c.Reason, "revision web-00002 was pending") {
		t.Fatalf("plan: %s %s", c.Action, c.Reason)
	}
	// The value is in place already; the pending change is still checked.
	target.Set("web", target.conns[0].URL)
	target.interrupt = false
	w.mustApply(stack)
	last := target.conns[len(target.conns)-1]
	if last.Pending["revision"] != "web-00002" {
		t.Errorf("Write got pending %v", last.Pending)
	}
	if ts := w.state().Target("fake", "web"); ts == nil || ts.Pending != nil || ts.URLFingerprint == "" {
		t.Errorf("state after reconciling: %+v", ts)
	}
	if p, _ := w.plan(stack); p.HasChanges() {
		t.Errorf("plan after reconciling: %s", actions(p))
	}
}

func TestDeleteSecretsOnlyWhenAsked(t *testing.T) {
	for _, ask := range []bool{false, true} {
		w, target := placingWorld(t)
		stack := w.stack(placedStack)
		w.mustApply(stack)
		st, _ := w.engine.ReadState(context.Background())
		p, err := w.engine.PlanDestroy(context.Background(), stack, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{SkipVerify: true, DeleteSecrets: ask}); err != nil {
			t.Fatal(err)
		}
		if got := len(target.deleted) == 1; got != ask {
			t.Errorf("DeleteSecrets %v: deleted %v", ask, target.deleted)
		}
	}
}
