package memorystore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

// channelsBlock is the body of a memorystore block with every default.
const channelsBlock = `memorystore {
  project  = "acme-prod"
  region   = "us-central1"
  instance = "acme-channels"
}`

const instanceName = "projects/acme-prod/locations/us-central1/instances/acme-channels"

// rig is a fake and a backend talking to it.
type rig struct {
	fake  *memorystoretest.Server
	b     *Backend
	waits *waits
	warns *provisiontest.Lines
}

// waits records the sleeps a backend asks for, and sleeps briefly so
// that the fake's operations, which run on the clock, can finish.
type waits struct {
	mu    sync.Mutex
	polls []time.Duration
	retry []time.Duration
}

func (w *waits) add(list *[]time.Duration, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*list = append(*list, d)
}

func (w *waits) get(list *[]time.Duration) []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), *list...)
}

// newRig starts a fake whose operations take delay and a backend that
// polls it every few milliseconds.
func newRig(t *testing.T, delay time.Duration) *rig {
	t.Helper()
	fake := memorystoretest.Start(t, memorystoretest.Options{Delay: delay})
	r := &rig{fake: fake, waits: &waits{}, warns: &provisiontest.Lines{}}
	env := provision.Env{Getenv: func(k string) string {
		return map[string]string{gcp.EnvEndpoint: fake.Addr()}[k]
	}, Warn: r.warns.Add}
	r.b = New(env, gcp.New(env))
	t.Cleanup(func() { _ = r.b.Close() })
	r.b.poll = pollPolicy{initial: 2 * time.Millisecond, max: 16 * time.Millisecond, report: 0, failures: 3, total: time.Minute,
		sleep: func(ctx context.Context, d time.Duration) error {
			r.waits.add(&r.waits.polls, d)
			return provision.Sleep(ctx, d)
		}}
	r.b.retry = gcp.Retry{Attempts: 5, Base: time.Millisecond, Max: 4 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.waits.add(&r.waits.retry, d)
			return ctx.Err()
		}}
	return r
}

// recorder plays the engine's side of CreateRequest.
type recorder struct {
	mu       sync.Mutex
	pending  map[string]string
	history  []map[string]string
	progress provisiontest.Lines
}

func (r *recorder) request(spec *Spec, pending map[string]string) provision.CreateRequest {
	return provision.CreateRequest{Name: "channels", Spec: spec, Pending: pending,
		Record: func(p map[string]string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.pending = p
			r.history = append(r.history, p)
			return nil
		},
		Progress: r.progress.Add}
}

func (r *recorder) recorded() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending
}

// decodeBlock decodes a whole `memorystore { … }` block.
func decodeBlock(t *testing.T, src string) (*Spec, hcl.Diagnostics) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "stack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	content, diags := file.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "memorystore"}}})
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("want one memorystore block: %v", diags)
	}
	spec, diags := (&Backend{}).Decode(content.Blocks[0].Body, &provision.DecodeContext{Name: "channels"})
	s, _ := spec.(*Spec)
	return s, diags
}

func mustSpec(t *testing.T, src string) *Spec {
	t.Helper()
	s, diags := decodeBlock(t, src)
	if diags.HasErrors() {
		t.Fatalf("decode: %v", diags)
	}
	return s
}

// block returns channelsBlock with extra attribute lines.
func block(extra ...string) string {
	return strings.Replace(channelsBlock, "}", strings.Join(extra, "\n")+"\n}", 1)
}

// create creates spec and fails the test on error.
func (r *rig) create(t *testing.T, spec *Spec) (*provision.Instance, *recorder) {
	t.Helper()
	rec := &recorder{}
	inst, err := r.b.Create(context.Background(), rec.request(spec, nil))
	if err != nil {
		t.Fatal(err)
	}
	return inst, rec
}
