package memorystore

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/internal/nettest"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/provision"
)

// msCall is one Memorystore API call rediskit makes, with a way to make it.
type msCall struct {
	method string // the RPC, as memorystoretest counts it
	// existing says whether the instance must exist before run.
	existing bool
	run      func(ctx context.Context, t *testing.T, r *rig) error
}

func memorystoreCalls() []msCall {
	read := func(ctx context.Context, _ *testing.T, r *rig) error {
		_, err := r.b.Read(ctx, provision.Record{Name: "channels", ID: instanceName})
		return err
	}
	return []msCall{
		{"GetInstance", true, read},
		{"GetInstanceAuthString", true, read},
		{"CreateInstance", false, func(ctx context.Context, t *testing.T, r *rig) error {
			_, err := r.b.Create(ctx, (&recorder{}).request(mustSpec(t, block(`auth = true`)), nil))
			return err
		}},
		{"UpdateInstance", true, func(ctx context.Context, t *testing.T, r *rig) error {
			_, err := r.b.Update(ctx, provision.Record{Name: "channels", ID: instanceName}, mustSpec(t, block(`auth = true`, `memory_size_gb = 3`)))
			return err
		}},
		{"DeleteInstance", true, func(ctx context.Context, _ *testing.T, r *rig) error {
			return r.b.Delete(ctx, provision.Record{Name: "channels", ID: instanceName})
		}},
		{"GetOperation", true, func(ctx context.Context, _ *testing.T, r *rig) error {
			return r.b.Delete(ctx, provision.Record{Name: "channels", ID: instanceName})
		}},
	}
}

type msFault struct {
	name      string
	code      codes.Code
	message   string
	transient bool
	want      []string
}

func memorystoreFaults() []msFault {
	return []msFault{
		{name: "Unavailable", code: codes.Unavailable, transient: true},
		{name: "ResourceExhausted", code: codes.ResourceExhausted, message: "Quota exceeded for redis.googleapis.com/create_requests", transient: true},
		{name: "PermissionDenied", code: codes.PermissionDenied,
			message: "Permission 'redis.instances.get' denied on resource",
			want:    []string{"PermissionDenied", "redis.instances.get", "roles/redis.admin"}},
		{name: "InvalidArgument", code: codes.InvalidArgument,
			message: "memory_size_gb must be between 1 and 300, got 0",
			want:    []string{"InvalidArgument", "memory_size_gb must be between 1 and 300, got 0"}},
	}
}

// TestFaultMatrix makes every Memorystore call fail in every way: transient
// codes are retried and the operation succeeds; permanent ones fail after
// exactly one call, naming the instance and what is missing or wrong.
func TestFaultMatrix(t *testing.T) {
	for _, call := range memorystoreCalls() {
		for _, fc := range memorystoreFaults() {
			t.Run(call.method+"/"+fc.name, func(t *testing.T) {
				var delay time.Duration
				if call.method == "GetOperation" {
					delay = 30 * time.Millisecond // so that the delete is polled
				}
				r := newRig(t, delay)
				if call.existing {
					r.create(t, mustSpec(t, block(`auth = true`)))
				}
				before := r.fake.Calls(call.method)
				count := 1
				if fc.transient {
					count = 2
				}
				r.fake.Fail(memorystoretest.Fault{Method: call.method, Code: fc.code, Message: fc.message, Count: count})

				err := call.run(context.Background(), t, r)
				seen := r.fake.Calls(call.method) - before
				if fc.transient {
					if err != nil || seen < 3 {
						t.Fatalf("got %v after %d calls, want success after the retries", err, seen)
					}
					return
				}
				if err == nil || seen != 1 {
					t.Fatalf("got %v after %d calls, want an error after exactly one", err, seen)
				}
				for _, want := range append([]string{"acme-channels"}, fc.want...) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				for _, secret := range r.fake.AuthStrings() {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error leaks an AUTH string: %v", err)
					}
				}
			})
		}
	}
}

// TestFaultMatrixTimeout points the backend at an endpoint that accepts
// connections and never answers: every call is cut at the per-call timeout
// and the whole retry budget is bounded.
func TestFaultMatrixTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	addr := nettest.BlackHole(t)
	env := provision.Env{Getenv: func(k string) string {
		return map[string]string{gcp.EnvEndpoint: addr}[k]
	}, Warn: func(string) {}}
	b := New(env, gcp.New(env))
	t.Cleanup(func() { _ = b.Close() })
	b.retry = gcp.Retry{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond, Timeout: timeout, Sleep: provision.Sleep}

	// Loose bound: two attempts of one timeout each, three times over.
	nettest.ExpectCut(t, 3*2*timeout, func(ctx context.Context) error {
		_, err := b.Read(ctx, provision.Record{Name: "channels", ID: instanceName})
		return err
	}, "acme-channels", "DeadlineExceeded")
}
