package cloudrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/internal/nettest"
	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

const secretName = "projects/acme-prod/secrets/acme-redis-url"

// faultURLs are working Redis URLs, all different, shared by the
// subtests of a matrix.
type faultURLs []string

func startFaultURLs(t *testing.T) faultURLs {
	a, b := redistest.Start(t, redistest.Options{}), redistest.Start(t, redistest.Options{})
	return faultURLs{a.URL(""), b.URL(""), a.URL("localhost"), b.URL("localhost")}
}

// crCall is one Cloud Run or Secret Manager call rediskit makes: setup
// brings the fake to where the call is made, run makes it and check says
// whether a run that succeeded did its job.
type crCall struct {
	method   string // as cloudruntest counts it
	resource string // what an error must name
	legacy   bool   // the service starts with u[0] in REDIS_URL
	setup    func(t *testing.T, r *rig, u faultURLs)
	run      func(ctx context.Context, t *testing.T, r *rig, u faultURLs) error
	check    func(t *testing.T, r *rig, u faultURLs)
}

func cloudRunCalls() []crCall {
	plain := func(ctx context.Context, t *testing.T, r *rig, u faultURLs) error {
		return r.tgt.Write(ctx, attrs(t), (&recorder{}).conn(u[0], nil))
	}
	secret := func(url int) func(ctx context.Context, t *testing.T, r *rig, u faultURLs) error {
		return func(ctx context.Context, t *testing.T, r *rig, u faultURLs) error {
			return r.tgt.Write(ctx, attrs(t, `secret = "acme-redis-url"`), (&recorder{}).conn(u[url], nil))
		}
	}
	secretWritten := func(n int) func(t *testing.T, r *rig, u faultURLs) {
		return func(t *testing.T, r *rig, u faultURLs) {
			for i := range n {
				if err := secret(i)(context.Background(), t, r, u); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	holds := func(url int) func(t *testing.T, r *rig, u faultURLs) {
		return func(t *testing.T, r *rig, u faultURLs) {
			a := attrs(t)
			if r.env(t, "REDIS_URL").GetValueSource() != nil {
				a = attrs(t, `secret = "acme-redis-url"`)
			}
			if v, set := read(t, r, a); !set || v != u[url] {
				t.Errorf("the service does not hold URL %d after the retries", url)
			}
		}
	}
	readBack := func(ctx context.Context, t *testing.T, r *rig, u faultURLs) error {
		_, _, err := r.tgt.Read(ctx, attrs(t, `secret = "acme-redis-url"`))
		return err
	}
	return []crCall{
		{method: "GetService", resource: "acme-web", run: plain, check: holds(0)},
		{method: "UpdateService", resource: "acme-web", run: plain, check: holds(0)},
		{method: "GetRevision", resource: "acme-web", legacy: true, setup: interruptBadWrite, run: resumeBadWrite, check: holds(0)},
		{method: "GetSecret", resource: secretName, run: secret(0), check: holds(0)},
		{method: "CreateSecret", resource: secretName, run: secret(0), check: holds(0)},
		{method: "ListSecretVersions", resource: secretName, run: secret(0), check: holds(0)},
		{method: "AddSecretVersion", resource: secretName, run: secret(0), check: holds(0)},
		{method: "GetIamPolicy", resource: secretName, run: secret(0), check: holds(0)},
		{method: "SetIamPolicy", resource: secretName, run: secret(0), check: holds(0)},
		{method: "AccessSecretVersion", resource: secretName, setup: secretWritten(1), run: readBack},
		{method: "DisableSecretVersion", resource: "acme-redis-url/versions/1", setup: secretWritten(2), run: secret(2), check: func(t *testing.T, r *rig, u faultURLs) {
			_, versions, _, _ := r.fake.Secret(secretName)
			if len(versions) != 3 || versions[0].State != secretmanagerpb.SecretVersion_DISABLED {
				t.Errorf("version 1 not disabled: %v", versions)
			}
		}},
		{method: "DeleteSecret", resource: secretName, setup: secretWritten(1), run: func(ctx context.Context, t *testing.T, r *rig, _ faultURLs) error {
			return r.tgt.DeleteSecrets(ctx, attrs(t, `secret = "acme-redis-url"`))
		}, check: func(t *testing.T, r *rig, _ faultURLs) {
			if _, _, _, ok := r.fake.Secret(secretName); ok {
				t.Error("the secret is still there")
			}
		}},
	}
}

// interruptBadWrite leaves the pending record of a write of a dead URL,
// so that the next write must read the revision before it to undo it.
func interruptBadWrite(t *testing.T, r *rig, _ faultURLs) {
	r.pending = interrupt(t, r, attrs(t), "redis://:pw@127.0.0.1:1/0")
}

// resumeBadWrite resumes the write interruptBadWrite left, which puts u[0]
// back and reports the revision that failed.
func resumeBadWrite(ctx context.Context, t *testing.T, r *rig, _ faultURLs) error {
	err := r.tgt.Write(ctx, attrs(t), (&recorder{}).conn("redis://:pw@127.0.0.1:1/0", r.pending))
	var failed *revisionFailed
	if errors.As(err, &failed) {
		return nil // the outcome wanted: the revision failed and was undone
	}
	if err == nil {
		t.Error("the failed revision went unreported")
	}
	return err
}

type crFault struct {
	name      string
	code      codes.Code
	message   string
	transient bool
	want      []string
}

func cloudRunFaults() []crFault {
	return []crFault{
		{name: "Unavailable", code: codes.Unavailable, transient: true},
		{name: "ResourceExhausted", code: codes.ResourceExhausted, message: "Quota exceeded for quota metric 'Read requests'", transient: true},
		{name: "Internal", code: codes.Internal, transient: true},
		{name: "PermissionDenied", code: codes.PermissionDenied,
			message: "Permission 'run.services.update' denied on resource (or it may not exist).",
			want:    []string{"PermissionDenied", "run.services.update", "roles/run.developer", "roles/secretmanager.admin"}},
		{name: "InvalidArgument", code: codes.InvalidArgument,
			message: "spec.template.containers[0].env[3].name: must be a C_IDENTIFIER",
			want:    []string{"InvalidArgument", "must be a C_IDENTIFIER"}},
	}
}

// TestFaultMatrix makes every Cloud Run and Secret Manager call fail in
// every way: transient codes are retried and the operation does its job;
// permanent ones fail after exactly one call, naming the resource and
// what is missing or wrong, without a secret in the message.
func TestFaultMatrix(t *testing.T) {
	urls := startFaultURLs(t)
	for _, call := range cloudRunCalls() {
		for _, fc := range cloudRunFaults() {
			t.Run(call.method+"/"+fc.name, func(t *testing.T) {
				var ex cloudruntest.ExampleOptions
				if call.legacy {
					ex.Env = map[string]string{"REDIS_URL": urls[0]}
				}
				r := newRig(t, cloudruntest.Options{}, ex)
				if call.setup != nil {
					call.setup(t, r, urls)
				}
				before := r.fake.Calls(call.method)
				count := 1
				if fc.transient {
					count = 2
				}
				r.fake.Fail(cloudruntest.Fault{Method: call.method, Code: fc.code, Message: fc.message, Count: count})

				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				err := call.run(ctx, t, r, urls)
				seen := r.fake.Calls(call.method) - before
				r.fake.Reset()
				if fc.transient {
					if err != nil || seen < 3 {
						t.Fatalf("got %v after %d calls, want success after the retries", err, seen)
					}
					if call.check != nil {
						call.check(t, r, urls)
					}
					return
				}
				if err == nil || seen != 1 {
					t.Fatalf("got %v after %d calls, want an error after exactly one", err, seen)
				}
				for _, want := range append([]string{call.resource}, fc.want...) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				for _, u := range urls {
					if strings.Contains(err.Error(), u) || strings.Contains(err.Error(), password(u)) {
						t.Errorf("error leaks a URL or password: %v", err)
					}
				}
			})
		}
	}
}

// TestLostAnswers makes writes take effect and then fail, as when the
// answer is lost on the way back: the retry must neither make a second
// revision or version nor skip waiting for the one that was made.
func TestLostAnswers(t *testing.T) {
	urls := startFaultURLs(t)
	t.Run("UpdateService", func(t *testing.T) {
		r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
		r.fake.SetDelay(20 * time.Millisecond)
		r.fake.Fail(cloudruntest.Fault{Method: "UpdateService", Code: codes.Unavailable, Lost: true})
		if err := write(t, r, attrs(t), (&recorder{}).conn(urls[0], nil)); err != nil {
			t.Fatal(err)
		}
		svc := r.service(t)
		if n := r.fake.Calls("UpdateService"); n != 1 {
			t.Errorf("%d updates, want the lost one only", n)
		}
		if svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() || r.env(t, "REDIS_URL").GetValue() != urls[0] {
			t.Errorf("the write returned before its revision was ready (ready %s, created %s)", svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision())
		}
	})
	t.Run("AddSecretVersion", func(t *testing.T) {
		r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
		r.fake.Fail(cloudruntest.Fault{Method: "AddSecretVersion", Code: codes.Unavailable, Lost: true})
		a := attrs(t, `secret = "acme-redis-url"`)
		if err := write(t, r, a, (&recorder{}).conn(urls[0], nil)); err != nil {
			t.Fatal(err)
		}
		if _, versions, _, _ := r.fake.Secret(secretName); len(versions) != 1 {
			t.Errorf("%d versions, want 1", len(versions))
		}
		if v, set := read(t, r, a); !set || v != urls[0] {
			t.Error("the service does not hold the URL")
		}
	})
}

// TestFaultMatrixTimeout points the target at an endpoint that accepts
// connections and never answers: every call is cut at the per-call
// timeout and the whole retry budget is bounded.
func TestFaultMatrixTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	addr := nettest.BlackHole(t)
	env := provision.Env{Getenv: func(k string) string {
		return map[string]string{gcp.EnvEndpoint: addr}[k]
	}, Warn: func(string) {}}
	tgt := New(env, gcp.New(env))
	t.Cleanup(func() { _ = tgt.Close() })
	tgt.retry = gcp.Retry{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond, Timeout: timeout, Sleep: provision.Sleep}

	// Loose bound: two attempts of one timeout each, three times over.
	nettest.ExpectCut(t, 3*2*timeout, func(ctx context.Context) error {
		_, _, err := tgt.Read(ctx, attrs(t))
		return err
	}, "acme-web", "DeadlineExceeded")
}

// password is the password in a redis URL.
func password(u string) string {
	at := strings.LastIndex(u, "@")
	colon := strings.LastIndex(u[:at], ":")
	return u[colon+1 : at]
}
