// Package provisiontest holds in-memory adapters and conformance suites for
// testing the engine and every real adapter.
package provisiontest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/rediskit/rediskit/provision"
)

// FakeSpec is what FakeBackend decodes from its block:
//
//	fake { size = "small"  region = "eu" }
//
// A changed size updates in place; a changed region forces replacement.
type FakeSpec struct {
	Size   string `hcl:"size,optional"`
	Region string `hcl:"region,optional"`
}

// FakeBackend is an in-memory provision.Backend that answers at once.
// Its hooks let a test fail or observe any call.
type FakeBackend struct {
	Typ string
	// URL builds an instance's URL; the default points nowhere, so tests
	// that apply mark instances Unreachable unless they set it.
	URL func(id string) string
	// Unreachable marks instances as reachable only from a private network,
	// which skips verification.
	Unreachable bool
	// Fail, when set, is called before each operation ("create", "read",
	// "update", "delete") and its error returned.
	Fail func(op, id string) error
	// Delay is how long each operation takes, like a remote API's latency.
	Delay time.Duration

	mu        sync.Mutex
	instances map[string]*provision.Instance
	next      int
	Calls     []string
}

var _ provision.Backend = (*FakeBackend)(nil)

// NewFakeBackend returns an empty fake backend of type typ.
func NewFakeBackend(typ string) *FakeBackend {
	return &FakeBackend{Typ: typ, Unreachable: true, instances: map[string]*provision.Instance{}}
}

// Type returns the fake's type.
func (f *FakeBackend) Type() string { return f.Typ }

// Decode decodes a FakeSpec.
func (f *FakeBackend) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.Spec, hcl.Diagnostics) {
	spec := &FakeSpec{}
	diags := gohcl.DecodeBody(body, dc.Eval, spec)
	return spec, diags
}

// Diff compares size (in place) and region (replace).
func (f *FakeBackend) Diff(want provision.Spec, have *provision.Instance) []provision.AttrChange {
	spec := want.(*FakeSpec)
	var out []provision.AttrChange
	if spec.Size != have.Attrs["size"] {
		out = append(out, provision.AttrChange{Name: "size", Old: have.Attrs["size"], New: spec.Size})
	}
	if spec.Region != have.Attrs["region"] {
		out = append(out, provision.AttrChange{Name: "region", Old: have.Attrs["region"], New: spec.Region, ForcesReplace: true})
	}
	return out
}

func (f *FakeBackend) call(op, id string) error {
	time.Sleep(f.Delay)
	f.mu.Lock()
	f.Calls = append(f.Calls, op+" "+id)
	f.mu.Unlock()
	if f.Fail != nil {
		return f.Fail(op, id)
	}
	return nil
}

// Create makes an instance. It is idempotent for a redis name: a second
// create returns the existing instance, as a real adapter adopts its own.
func (f *FakeBackend) Create(ctx context.Context, req provision.CreateRequest) (*provision.Instance, error) {
	if err := f.call("create", req.Name); err != nil {
		return nil, err
	}
	spec := req.Spec.(*FakeSpec)
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.Typ + "-" + req.Name
	if inst, ok := f.instances[id]; ok {
		return clone(inst), nil
	}
	f.next++
	inst := &provision.Instance{ID: id, Status: provision.StatusReady, Unreachable: f.Unreachable,
		Attrs: map[string]string{"size": spec.Size, "region": spec.Region}}
	inst.URL = f.url(id, f.next)
	f.instances[id] = inst
	return clone(inst), nil
}

func (f *FakeBackend) url(id string, gen int) string {
	if f.URL != nil {
		return f.URL(id)
	}
	return fmt.Sprintf("redis://:secret-%s-%d@%s.invalid:6379", id, gen, id)
}

// Read returns the instance or an error wrapping provision.ErrNotFound.
func (f *FakeBackend) Read(ctx context.Context, rec provision.Record) (*provision.Instance, error) {
	if err := f.call("read", rec.ID); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.instances[rec.ID]
	if !ok {
		return nil, fmt.Errorf("fake %s %s: %w", f.Typ, rec.ID, provision.ErrNotFound)
	}
	return clone(inst), nil
}

// Update applies the spec's size.
func (f *FakeBackend) Update(ctx context.Context, rec provision.Record, want provision.Spec) (*provision.Instance, error) {
	if err := f.call("update", rec.ID); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.instances[rec.ID]
	if !ok {
		return nil, fmt.Errorf("fake %s %s: %w", f.Typ, rec.ID, provision.ErrNotFound)
	}
	inst.Attrs["size"] = want.(*FakeSpec).Size
	return clone(inst), nil
}

// Delete removes the instance; a missing one is not an error.
func (f *FakeBackend) Delete(ctx context.Context, rec provision.Record) error {
	if err := f.call("delete", rec.ID); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.instances, rec.ID)
	return nil
}

// Count returns how many instances exist.
func (f *FakeBackend) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.instances)
}

// Vanish deletes an instance behind rediskit's back.
func (f *FakeBackend) Vanish(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.instances, id)
}

func clone(inst *provision.Instance) *provision.Instance {
	c := *inst
	c.Attrs = map[string]string{}
	for k, v := range inst.Attrs {
		c.Attrs[k] = v
	}
	return &c
}
