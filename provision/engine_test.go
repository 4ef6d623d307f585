package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

// world is an engine wired to in-memory adapters.
type world struct {
	t       testing.TB
	dir     string
	fake    *provisiontest.FakeBackend
	other   *provisiontest.FakeBackend
	targets *provisiontest.FakeTarget
	store   *provisiontest.MemStore
	engine  *provision.Engine
	events  []provision.Event
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, dir: t.TempDir(), fake: provisiontest.NewFakeBackend("fake"), other: provisiontest.NewFakeBackend("other"),
		targets: provisiontest.NewFakeTarget("fake"), store: &provisiontest.MemStore{}}
	reg := provision.NewRegistry()
	reg.AddBackend(w.fake)
	reg.AddBackend(w.other)
	reg.AddTarget(w.targets)
	w.engine = &provision.Engine{Registry: reg, Store: w.store, Version: "test",
		Observe: func(ev provision.Event) { w.events = append(w.events, ev) }}
	return w
}

func (w *world) stack(src string) *provision.Stack {
	w.t.Helper()
	st, diags := provision.ParseStack([]byte(src), filepath.Join(w.dir, "stack.hcl"),
		provision.LoadOptions{Registry: w.engine.Registry, Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		w.t.Fatal(diags.Error())
	}
	return st
}

func (w *world) plan(stack *provision.Stack) (*provision.Plan, *provision.State) {
	w.t.Helper()
	st, err := w.engine.ReadState(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	p, err := w.engine.Plan(context.Background(), stack, st)
	if err != nil {
		w.t.Fatal(err)
	}
	return p, st
}

func (w *world) apply(stack *provision.Stack) error {
	p, st := w.plan(stack)
	return w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{})
}

func (w *world) mustApply(stack *provision.Stack) {
	w.t.Helper()
	if err := w.apply(stack); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) state() *provision.State {
	st, err := w.store.Read(context.Background())
	if err != nil || st == nil {
		w.t.Fatalf("state: %v %v", st, err)
	}
	return st
}

// actions renders a plan as "ACTION ADDRESS" lines, skipping no-ops.
func actions(p *provision.Plan) string {
	var out []string
	for _, c := range p.Changes {
		if c.Action != provision.NoOp {
			out = append(out, string(c.Action)+" "+c.Address)
		}
	}
	return strings.Join(out, "; ")
}

const oneStack = `
redis "channels" {
  provider = "fake"
  fake {
    size   = "small"
    region = "eu"
  }
  other {}
}
target "fake" "web" {
  redis = redis.channels
  key   = "web"
}
`

func TestApplyCreatesVerifiesBindsThenNothing(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	p, _ := w.plan(stack)
	if got := actions(p); got != "create redis.channels; bind target.fake.web" {
		t.Fatalf("plan = %q", got)
	}
	w.mustApply(stack)
	url, ok := w.targets.Value("web")
	if !ok || !strings.Contains(url, "fake-channels") {
		t.Fatalf("target holds %q, %v", url, ok)
	}
	if p, _ := w.plan(stack); p.HasChanges() {
		t.Fatalf("second plan = %q", actions(p))
	}
	if w.fake.Count() != 1 {
		t.Fatalf("%d instances", w.fake.Count())
	}
}

func TestStateNeverHoldsSecrets(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	b, _ := json.Marshal(w.state())
	if strings.Contains(string(b), "secret-") || strings.Contains(string(b), "redis://") {
		t.Fatalf("state holds a secret: %s", b)
	}
	for _, ev := range w.events {
		if strings.Contains(ev.Message, "secret-") {
			t.Fatalf("event leaks a secret: %+v", ev)
		}
	}
}

func TestDriftIsPlannedAsRepair(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)

	w.targets.Set("web", "redis://somewhere-else:6379")
	p, _ := w.plan(stack)
	if got := actions(p); got != "bind target.fake.web" || p.Changes[1].Drift != "target value changed outside rediskit" {
		t.Fatalf("plan = %q, drift %q", got, p.Changes[1].Drift)
	}

	w.fake.Vanish("fake-channels")
	p, _ = w.plan(stack)
	if got := actions(p); got != "create redis.channels; bind target.fake.web" || p.Changes[0].Drift != "deleted outside rediskit" {
		t.Fatalf("plan = %q, drift %q", got, p.Changes[0].Drift)
	}
	w.mustApply(stack)
	if p, _ := w.plan(stack); p.HasChanges() {
		t.Fatalf("after repair: %q", actions(p))
	}
}

func TestUpdateInPlaceAndReplace(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))

	bigger := w.stack(strings.Replace(oneStack, `"small"`, `"large"`, 1))
	p, _ := w.plan(bigger)
	if got := actions(p); got != "update redis.channels" {
		t.Fatalf("plan = %q", got)
	}
	w.mustApply(bigger)

	moved := w.stack(strings.Replace(strings.Replace(oneStack, `"small"`, `"large"`, 1), `"eu"`, `"us"`, 1))
	p, _ = w.plan(moved)
	if got := actions(p); got != "replace redis.channels; bind target.fake.web" {
		t.Fatalf("plan = %q", got)
	}
	if len(p.Changes[0].Warnings) == 0 || !strings.Contains(p.Changes[0].Warnings[0], "rediskit migrate") {
		t.Fatalf("replace without data-loss warning: %+v", p.Changes[0])
	}
	w.mustApply(moved)
	if w.fake.Count() != 1 {
		t.Fatalf("%d instances after replace", w.fake.Count())
	}
}

func TestPreventDestroySurvivesRemovalFromStack(t *testing.T) {
	w := newWorld(t)
	guarded := strings.Replace(oneStack, "other {}", "other {}\n  lifecycle {\n    prevent_destroy = true\n  }", 1)
	stack := w.stack(guarded)
	w.mustApply(stack)

	st, _ := w.engine.ReadState(context.Background())
	if _, err := w.engine.PlanDestroy(context.Background(), stack, st); err == nil || !strings.Contains(err.Error(), "prevent_destroy") {
		t.Fatalf("destroy planned: %v", err)
	}
	empty := w.stack(`variable "x" { default = 1 }`)
	if _, err := w.engine.Plan(context.Background(), empty, st); err == nil || !strings.Contains(err.Error(), "prevent_destroy") {
		t.Fatalf("removal from the stack planned a delete: %v", err)
	}
	if w.fake.Count() != 1 {
		t.Fatal("instance deleted")
	}
}

func TestInterruptedApplyResumes(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	p, st := w.plan(stack)
	steps := 0
	err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{Stop: func() bool { steps++; return steps > 1 }})
	if !errors.Is(err, provision.ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	if w.state().RedisByName("channels").Active() == nil {
		t.Fatal("the finished create is not in state")
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("target written after the stop")
	}
	p, _ = w.plan(stack)
	if got := actions(p); got != "bind target.fake.web" {
		t.Fatalf("resume plan = %q", got)
	}
	w.mustApply(stack)
	if w.fake.Count() != 1 {
		t.Fatalf("%d instances", w.fake.Count())
	}
}

func TestFailedCreateLeavesIntentAndRetriesOnce(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.fake.Fail = func(op, _ string) error {
		if op == "create" {
			return errors.New("provider unavailable; try again later")
		}
		return nil
	}
	if err := w.apply(stack); err == nil || !strings.Contains(err.Error(), "provider unavailable") {
		t.Fatalf("err = %v", err)
	}
	bs := w.state().RedisByName("channels").Backend("fake")
	if bs == nil || bs.Status != provision.BackendCreating || bs.ID != "" {
		t.Fatalf("intent not recorded: %+v", bs)
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("target written although create failed")
	}
	w.fake.Fail = nil
	p, _ := w.plan(stack)
	if p.Changes[0].Reason != "resuming a create that was interrupted" {
		t.Fatalf("reason %q", p.Changes[0].Reason)
	}
	w.mustApply(stack)
	if w.fake.Count() != 1 || w.state().RedisByName("channels").Active() == nil {
		t.Fatal("not created exactly once")
	}
}

func TestFailedVerificationWritesNoTarget(t *testing.T) {
	w := newWorld(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	w.fake.Unreachable = false
	w.fake.URL = func(string) string { return "redis://:pw@" + addr + "/0" }
	err = w.apply(w.stack(oneStack))
	if err == nil || !strings.Contains(err.Error(), "verification failed, so no target was changed") {
		t.Fatalf("err = %v", err)
	}
	if _, ok := w.targets.Value("web"); ok {
		t.Fatal("target written after failed verification")
	}
}

func TestProviderSwitchKeepsOldBackendForRollback(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	switched := w.stack(strings.Replace(oneStack, `provider = "fake"`, `provider = "other"`, 1))
	p, _ := w.plan(switched)
	if got := actions(p); got != "create redis.channels; bind target.fake.web" || p.Changes[0].From != "fake" {
		t.Fatalf("plan = %q from %q", got, p.Changes[0].From)
	}
	w.mustApply(switched)
	rs := w.state().RedisByName("channels")
	if rs.Active() == nil || rs.Active().Type != "other" || rs.Backend("fake").Status != provision.BackendRetained {
		t.Fatalf("after switch: %+v", rs.Backends)
	}
	if url, _ := w.targets.Value("web"); !strings.Contains(url, "other-channels") {
		t.Fatalf("target holds %q", url)
	}
	if p, _ := w.plan(switched); p.HasChanges() {
		t.Fatalf("after switch: %q", actions(p))
	}

	// Switching back reuses the retained backend: no create.
	creates := len(w.fake.Calls)
	back := w.stack(oneStack)
	w.mustApply(back)
	for _, c := range w.fake.Calls[creates:] {
		if strings.HasPrefix(c, "create") {
			t.Fatalf("rollback created again: %v", w.fake.Calls)
		}
	}
	rs = w.state().RedisByName("channels")
	if rs.Active().Type != "fake" || rs.Backend("other").Status != provision.BackendRetained {
		t.Fatalf("after rollback: %+v", rs.Backends)
	}
}

func TestDestroyUnbindsThenDeletes(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	w.mustApply(stack)
	st, _ := w.engine.ReadState(context.Background())
	p, err := w.engine.PlanDestroy(context.Background(), stack, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(p); got != "unbind target.fake.web; delete redis.channels" {
		t.Fatalf("plan = %q", got)
	}
	if err := w.engine.Apply(context.Background(), p, st, provision.ApplyOptions{SkipVerify: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.targets.Value("web"); ok || w.fake.Count() != 0 {
		t.Fatal("something left behind")
	}
	if st := w.state(); len(st.Redis) != 0 || len(st.Targets) != 0 {
		t.Fatalf("state not empty: %+v", st)
	}
}

func TestRemovedBlocksAreDeletedAndUnbound(t *testing.T) {
	w := newWorld(t)
	w.mustApply(w.stack(oneStack))
	p, _ := w.plan(w.stack(`variable "x" { default = 1 }`))
	if got := actions(p); got != "unbind target.fake.web; delete redis.channels" {
		t.Fatalf("plan = %q", got)
	}
}

func TestStateWriteFailureStopsApply(t *testing.T) {
	w := newWorld(t)
	w.store.FailWrite = 1
	err := w.apply(w.stack(oneStack))
	if err == nil || !strings.Contains(err.Error(), "write state") {
		t.Fatalf("err = %v", err)
	}
	if w.fake.Count() != 0 {
		t.Fatal("created although the intent could not be recorded")
	}
}

func TestStatusCounts(t *testing.T) {
	w := newWorld(t)
	var src strings.Builder
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&src, "redis \"r%d\" {\n provider = \"fake\"\n fake {}\n}\n", i)
	}
	p, _ := w.plan(w.stack(src.String()))
	if s := p.Summary(); s.Create != 3 || s.Bind != 0 {
		t.Fatalf("summary %+v", s)
	}
}

func TestDestroyRefusesAnUnfinishedCreate(t *testing.T) {
	w := newWorld(t)
	stack := w.stack(oneStack)
	// A create that recorded resume data and then died, as one killed while
	// waiting for a long operation does.
	st := provision.NewState("lineage-1")
	st.EnsureRedis("channels").Backends = []*provision.BackendState{{Type: "fake", Status: provision.BackendCreating,
		Pending: map[string]string{"operation": "operations/123"}}}
	if err := w.store.Write(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	st, _ = w.engine.ReadState(context.Background())
	if _, err := w.engine.PlanDestroy(context.Background(), stack, st); err == nil || !strings.Contains(err.Error(), "still in progress") {
		t.Fatalf("destroy planned over an unfinished create: %v", err)
	}
}
