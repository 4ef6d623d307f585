package provisiontest

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/rediskit/rediskit/provision"
)

// FakeTarget is an in-memory provision.Target keyed by its "key" attribute:
//
//	target "fake" "web" { redis = redis.x  key = "web" }
type FakeTarget struct {
	Typ string
	// Fail, when set, is called before each operation ("read", "write",
	// "remove") and its error returned.
	Fail func(op, key string) error
	// Delay is how long each Read takes, like a remote API's latency.
	Delay time.Duration
	// BeforeWrite, when set, is called at the start of each Write with
	// what it was given; an error it returns fails the Write before
	// anything changes (after a Record it made, as an interrupted Write
	// leaves things).
	BeforeWrite func(attrs provision.TargetAttrs, conn provision.Connection) error

	mu     sync.Mutex
	values map[string]string
	writes []Write
}

// Write is one call of FakeTarget.Write.
type Write struct {
	Attrs provision.TargetAttrs
	Conn  provision.Connection
}

var (
	_ provision.Target = (*FakeTarget)(nil)
	_ provision.Mover  = (*FakeTarget)(nil)
)

// NewFakeTarget returns an empty fake target of type typ.
func NewFakeTarget(typ string) *FakeTarget {
	return &FakeTarget{Typ: typ, values: map[string]string{}}
}

// Type returns the fake's type.
func (f *FakeTarget) Type() string { return f.Typ }

// Decode reads the key attribute.
func (f *FakeTarget) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.TargetAttrs, hcl.Diagnostics) {
	var v struct {
		Key string `hcl:"key"`
	}
	diags := gohcl.DecodeBody(body, dc.Eval, &v)
	return provision.TargetAttrs{"key": v.Key}, diags
}

// Read returns the value under the key.
func (f *FakeTarget) Read(ctx context.Context, attrs provision.TargetAttrs) (string, bool, error) {
	time.Sleep(f.Delay)
	if f.Fail != nil {
		if err := f.Fail("read", attrs["key"]); err != nil {
			return "", false, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.values[attrs["key"]]
	return v, ok, nil
}

// Write sets the value under the key. With conn.Previous naming another
// key, it moves the value: it deletes that key in the same change.
func (f *FakeTarget) Write(ctx context.Context, attrs provision.TargetAttrs, conn provision.Connection) error {
	f.mu.Lock()
	f.writes = append(f.writes, Write{Attrs: attrs, Conn: conn})
	f.mu.Unlock()
	if f.BeforeWrite != nil {
		if err := f.BeforeWrite(attrs, conn); err != nil {
			return err
		}
	}
	if f.Fail != nil {
		if err := f.Fail("write", attrs["key"]); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if old := conn.Previous["key"]; old != "" && old != attrs["key"] {
		delete(f.values, old)
	}
	f.values[attrs["key"]] = conn.URL
	return nil
}

// MovesInOneChange reports true: every key is in one map.
func (f *FakeTarget) MovesInOneChange(from, to provision.TargetAttrs) bool { return true }

// Writes returns every Write call so far, in order.
func (f *FakeTarget) Writes() []Write {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Write(nil), f.writes...)
}

// Remove unsets the value under the key.
func (f *FakeTarget) Remove(ctx context.Context, attrs provision.TargetAttrs) error {
	if f.Fail != nil {
		if err := f.Fail("remove", attrs["key"]); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.values, attrs["key"])
	return nil
}

// Value returns what the key holds.
func (f *FakeTarget) Value(key string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.values[key]
	return v, ok
}

// Set changes a value behind rediskit's back.
func (f *FakeTarget) Set(key, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[key] = value
}
