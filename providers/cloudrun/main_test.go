package cloudrun

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

const (
	project     = "acme-prod"
	region      = "us-central1"
	serviceName = "projects/acme-prod/locations/us-central1/services/acme-web"
	network     = "projects/acme-prod/global/networks/default"
)

// rig is a fake with the example service and a target talking to it.
type rig struct {
	fake  *cloudruntest.Server
	tgt   *Target
	warns *provisiontest.Lines
	seed  *runpb.Service // the service as first stored
	// pending is what an interrupted write left, for a test to resume.
	pending map[string]string
}

func newRig(t *testing.T, opts cloudruntest.Options, ex cloudruntest.ExampleOptions) *rig {
	t.Helper()
	fake := cloudruntest.Start(t, opts)
	seed, err := fake.AddExample(project, region, "acme-web", ex)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{fake: fake, warns: &provisiontest.Lines{}, seed: seed}
	env := provision.Env{Getenv: func(k string) string {
		return map[string]string{gcp.EnvEndpoint: fake.Addr()}[k]
	}, Warn: func(msg string) {
		if !strings.HasPrefix(msg, gcp.EnvEndpoint+"=") { // the emulator warning, in every run
			r.warns.Add(msg)
		}
	}}
	r.tgt = New(env, gcp.New(env))
	r.tgt.wait = waitPolicy{first: time.Millisecond, max: 5 * time.Millisecond, timeout: 30 * time.Second, progress: 0}
	r.tgt.retry = gcp.Retry{Attempts: 5, Base: time.Millisecond, Max: 4 * time.Millisecond, Sleep: provision.Sleep}
	t.Cleanup(func() { _ = r.tgt.Close() })
	return r
}

func (r *rig) service(t *testing.T) *runpb.Service {
	t.Helper()
	svc, err := r.fake.Service(serviceName)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// env returns the app container's variable name, or nil.
func (r *rig) env(t *testing.T, name string) *runpb.EnvVar {
	t.Helper()
	for _, ev := range r.service(t).GetTemplate().GetContainers()[0].GetEnv() {
		if ev.GetName() == name {
			return ev
		}
	}
	return nil
}

// recorder plays the engine's side of a Connection.
type recorder struct {
	mu       sync.Mutex
	pending  map[string]string
	history  []map[string]string
	progress provisiontest.Lines
}

func (rec *recorder) conn(url string, pending map[string]string) provision.Connection {
	return provision.Connection{URL: url, Pending: pending, Progress: rec.progress.Add,
		Record: func(p map[string]string) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.pending = p
			rec.history = append(rec.history, p)
			return nil
		}}
}

func (rec *recorder) recorded() map[string]string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.pending
}

// decode decodes a cloud_run target body.
func decode(t *testing.T, body string) (provision.TargetAttrs, hcl.Diagnostics) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(body), "stack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	return (&Target{}).Decode(file.Body, &provision.DecodeContext{Name: "web"})
}

// attrs decodes the usual target with extra lines and fails on errors.
func attrs(t *testing.T, extra ...string) provision.TargetAttrs {
	t.Helper()
	a, diags := decode(t, "project = \"acme-prod\"\nregion = \"us-central1\"\nservice = \"acme-web\"\n"+strings.Join(extra, "\n")+"\n")
	if diags.HasErrors() {
		t.Fatalf("decode: %v", diags)
	}
	return a
}

func write(t *testing.T, r *rig, a provision.TargetAttrs, conn provision.Connection) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return r.tgt.Write(ctx, a, conn)
}

func read(t *testing.T, r *rig, a provision.TargetAttrs) (string, bool) {
	t.Helper()
	v, set, err := r.tgt.Read(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return v, set
}
