package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

// importingFake is a fake backend that can import what it holds.
type importingFake struct{ *provisiontest.FakeBackend }

func (f importingFake) Import(ctx context.Context, name, id string) (*provision.Instance, error) {
	return f.Read(ctx, provision.Record{Name: name, ID: id})
}

// newImportWorld is newWorld with "fake" able to import and "other" not.
func newImportWorld(t *testing.T) *world {
	w := &world{t: t, dir: t.TempDir(), fake: provisiontest.NewFakeBackend("fake"), other: provisiontest.NewFakeBackend("other"),
		targets: provisiontest.NewFakeTarget("fake"), store: &provisiontest.MemStore{}}
	reg := provision.NewRegistry()
	reg.AddBackend(importingFake{w.fake})
	reg.AddBackend(w.other)
	reg.AddTarget(w.targets)
	w.engine = &provision.Engine{Registry: reg, Store: w.store, Version: "test"}
	return w
}

// outOfBand makes an instance as if in the provider's console.
func (w *world) outOfBand(name, size string) string {
	w.t.Helper()
	inst, err := w.fake.Create(context.Background(), provision.CreateRequest{Name: name, Spec: &provisiontest.FakeSpec{Size: size, Region: "eu"}})
	if err != nil {
		w.t.Fatal(err)
	}
	w.fake.Calls = nil
	return inst.ID
}

func (w *world) importID(stack *provision.Stack, name, typ, id string) (*provision.BackendState, error) {
	st, err := w.engine.ReadState(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return w.engine.Import(context.Background(), stack, st, name, typ, id)
}

func TestImportRecordsActiveAndPlansNoCreate(t *testing.T) {
	w := newImportWorld(t)
	id := w.outOfBand("console", "large")
	stack := w.stack(oneStack)
	bs, err := w.importID(stack, "channels", "fake", " "+id+" ")
	if err != nil {
		t.Fatal(err)
	}
	if bs.Status != provision.BackendActive || bs.ID != id || bs.URLFingerprint == "" {
		t.Fatalf("recorded %+v", bs)
	}
	rec := w.state().RedisByName("channels").Backend("fake")
	if rec == nil || rec.ID != id || rec.Status != provision.BackendActive {
		t.Fatalf("state holds %+v", rec)
	}
	b, _ := json.Marshal(w.state())
	if strings.Contains(string(b), "secret-") {
		t.Fatalf("state holds the URL's password: %s", b)
	}
	p, _ := w.plan(stack)
	if got := actions(p); got != "update redis.channels; bind target.fake.web" {
		t.Fatalf("plan after import = %q", got)
	}
	w.mustApply(stack)
	if w.fake.Count() != 1 {
		t.Fatalf("%d instances after apply, want the imported one only", w.fake.Count())
	}
	for _, call := range w.fake.Calls {
		if strings.HasPrefix(call, "create") {
			t.Fatalf("apply after import called %q", call)
		}
	}
}

func TestImportBesideAnotherProviderIsRetained(t *testing.T) {
	w := newImportWorld(t)
	id := w.outOfBand("console", "small")
	stack := w.stack(strings.Replace(oneStack, `provider = "fake"`, `provider = "other"`, 1))
	bs, err := w.importID(stack, "channels", "fake", id)
	if err != nil {
		t.Fatal(err)
	}
	if bs.Status != provision.BackendRetained {
		t.Fatalf("status %q, want retained: the stack's provider is other", bs.Status)
	}
}

func TestImportSettlesAnUnfinishedCreate(t *testing.T) {
	w := newImportWorld(t)
	w.fake.Fail = func(op, _ string) error {
		if op == "create" {
			return errors.New("a database of that name exists")
		}
		return nil
	}
	stack := w.stack(oneStack)
	if err := w.apply(stack); err == nil {
		t.Fatal("apply succeeded despite the failing create")
	}
	if bs := w.state().RedisByName("channels").Backend("fake"); bs == nil || bs.Status != provision.BackendCreating {
		t.Fatalf("after the failed create state holds %+v, want the intent", bs)
	}
	w.fake.Fail = nil
	id := w.outOfBand("console", "small")
	if _, err := w.importID(stack, "channels", "fake", id); err != nil {
		t.Fatal(err)
	}
	backends := w.state().RedisByName("channels").Backends
	if len(backends) != 1 || backends[0].ID != id || backends[0].Status != provision.BackendActive {
		t.Fatalf("state holds %+v, want only the imported backend", backends)
	}
}

func TestImportRefusals(t *testing.T) {
	w := newImportWorld(t)
	id := w.outOfBand("console", "small")
	stack := w.stack(oneStack + `
redis "cache" {
  provider = "fake"
  fake {}
}
`)
	if _, err := w.importID(stack, "channels", "fake", id); err != nil {
		t.Fatal(err)
	}
	serial := w.state().Serial
	w.fake.Calls = nil
	for _, tc := range []struct {
		name, redis, typ, id, want string
		is                         error
	}{
		{"twice", "channels", "fake", id, "already in state as active", provision.ErrAlreadyManaged},
		{"id under two blocks", "cache", "fake", id, "one database cannot serve two redis blocks", provision.ErrAlreadyManaged},
		{"no redis block", "nope", "fake", id, `no redis "nope" block`, nil},
		{"no such backend type", "channels", "upstsh", id, `unknown backend type "upstsh"`, nil},
		{"backend cannot import", "channels", "other", "x", "the other backend cannot import", nil},
		{"empty id", "cache", "fake", "  ", "the id is empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.importID(stack, tc.redis, tc.typ, tc.id)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if len(w.fake.Calls) != 0 {
		t.Errorf("refused imports called the backend: %q", w.fake.Calls)
	}
	_, err := w.importID(stack, "cache", "fake", "fake-unknown")
	if !errors.Is(err, provision.ErrNotFound) || !strings.Contains(err.Error(), "import redis.cache.fake") {
		t.Errorf("unknown id: got %v, want ErrNotFound naming the address", err)
	}
	if got := w.state().Serial; got != serial {
		t.Errorf("refused imports wrote the state (serial %d -> %d)", serial, got)
	}
}

func TestImportNeedsTheBackendBlock(t *testing.T) {
	w := newImportWorld(t)
	id := w.outOfBand("console", "small")
	stack := w.stack(`
redis "channels" {
  provider = "other"
  other {}
}
`)
	_, err := w.importID(stack, "channels", "fake", id)
	if err == nil || !strings.Contains(err.Error(), "has no fake { } block") {
		t.Fatalf("got %v, want advice to add the fake block", err)
	}
}
