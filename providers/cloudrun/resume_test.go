package cloudrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/provision"
)

// interrupt writes url with a rollout that never ends, and cancels the
// write as soon as the revision is recorded, as a second Ctrl-C would.
func interrupt(t *testing.T, r *rig, a provision.TargetAttrs, url string) map[string]string {
	t.Helper()
	r.fake.SetDelay(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	conn := rec.conn(url, nil)
	conn.Boundary = func(label string) {
		if label == "after UpdateService" {
			cancel()
		}
	}
	if err := r.tgt.Write(ctx, a, conn); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted write: %v", err)
	}
	pending := rec.recorded()
	if pending[pendingRevision] == "" || pending[pendingPrevious] != r.seed.GetLatestReadyRevision() ||
		!strings.HasPrefix(pending[provision.PendingNote], "revision acme-web-rk-") {
		t.Fatalf("pending = %v", pending)
	}
	r.fake.SetDelay(0)
	return pending
}

func TestResumeFinishesAReadyRevision(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	a := attrs(t)
	pending := interrupt(t, r, a, redis.URL(""))
	rec := &recorder{}
	if err := write(t, r, a, rec.conn(redis.URL(""), pending)); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	if r.fake.Calls("UpdateService") != 1 || svc.GetLatestReadyRevision() != pending[pendingRevision] {
		t.Errorf("%d updates; ready %s, pending was %s", r.fake.Calls("UpdateService"), svc.GetLatestReadyRevision(), pending[pendingRevision])
	}
	if rec.recorded() != nil || len(rec.history) == 0 {
		t.Errorf("pending not cleared: %v", rec.history)
	}
}

func TestResumeUndoesAFailedRevision(t *testing.T) {
	legacy := redistest.Start(t, redistest.Options{})
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{Env: map[string]string{"REDIS_URL": legacy.URL("")}})
	a := attrs(t)
	dead := "redis://:pw@127.0.0.1:1/0"
	pending := interrupt(t, r, a, dead)
	rec := &recorder{}
	err := write(t, r, a, rec.conn(dead, pending))
	if err == nil || !strings.Contains(err.Error(), shortRevision(pending[pendingRevision])+" did not become ready") {
		t.Fatalf("err = %v", err)
	}
	if r.env(t, "REDIS_URL").GetValue() != legacy.URL("") || r.fake.Calls("GetRevision") == 0 {
		t.Errorf("not put back from the earlier revision (%d GetRevision calls)", r.fake.Calls("GetRevision"))
	}
	if rec.recorded() != nil {
		t.Errorf("pending left: %v", rec.recorded())
	}
}

func TestResumeAfterSomeoneDeployed(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	a := attrs(t)
	pending := interrupt(t, r, a, redis.URL(""))
	pending[pendingRevision] = pending[pendingRevision] + "-gone"
	rec := &recorder{}
	if err := write(t, r, a, rec.conn(redis.URL(""), pending)); err != nil {
		t.Fatal(err)
	}
	if rec.history[0] != nil {
		t.Errorf("a stale pending record was not cleared first: %v", rec.history)
	}
}

// A run that dies right after UpdateService has recorded the revision it
// named before sending it: the next Write finds that revision (in the
// template, or as the latest created one), sees it fail, and puts back
// what the revision before it held, rather than find the variable set and
// call the job done.
func TestUnrecordedFailedRevisionIsUndone(t *testing.T) {
	legacy := redistest.Start(t, redistest.Options{})
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{Env: map[string]string{"REDIS_URL": legacy.URL("")}})
	a := attrs(t)
	dead := "redis://:pw@127.0.0.1:1/0"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	conn := rec.conn(dead, nil)
	conn.Boundary = func(label string) {
		if label == "after UpdateService" {
			cancel() // the run dies here
		}
	}
	if err := r.tgt.Write(ctx, a, conn); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted write: %v", err)
	}
	pending := rec.recorded()
	if !strings.Contains(pending[pendingRevision], "/revisions/acme-web-rk-") || pending[pendingPrevious] != r.seed.GetLatestReadyRevision() {
		t.Fatalf("pending = %v, want the named revision and the one ready before", pending)
	}

	rerun := &recorder{}
	err := write(t, r, a, rerun.conn(dead, pending))
	if err == nil || !strings.Contains(err.Error(), "did not become ready") || !strings.Contains(err.Error(), "put back the REDIS_URL that revision acme-web-00001-") {
		t.Fatalf("rerun: %v", err)
	}
	svc := r.service(t)
	if r.env(t, "REDIS_URL").GetValue() != legacy.URL("") || svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() {
		t.Errorf("the service is not back on the legacy URL with a ready revision (ready %s, created %s)", svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision())
	}
	if rerun.recorded() != nil {
		t.Errorf("pending left: %v", rerun.recorded())
	}
}

// An update refused for good made nothing, so it leaves nothing pending.
func TestRefusedUpdateLeavesNothingPending(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	r.fake.Fail(cloudruntest.Fault{Method: "UpdateService", Code: codes.PermissionDenied})
	rec := &recorder{}
	if err := write(t, r, attrs(t), rec.conn("redis://:pw@127.0.0.1:1/0", nil)); err == nil {
		t.Fatal("the refused update went unreported")
	}
	if len(rec.history) != 2 || rec.history[0] == nil || rec.recorded() != nil {
		t.Errorf("records %v, want the intent, then nothing pending", rec.history)
	}
}

// Without waiting for the revision nothing is followed up, so nothing
// stays pending.
func TestNoWaitLeavesNothingPending(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	rec := &recorder{}
	if err := write(t, r, attrs(t, "wait = false"), rec.conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	if rec.recorded() != nil || r.env(t, "REDIS_URL").GetValue() != redis.URL("") {
		t.Errorf("pending %v after a write without waiting", rec.recorded())
	}
}
