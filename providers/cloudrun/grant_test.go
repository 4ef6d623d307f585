package cloudrun

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
)

// A secret grant rediskit just made may reach Cloud Run's checks only
// minutes later: the revisions refused meanwhile are made again, within
// the wait policy's bound, and the write succeeds once the grant applies.
func TestFreshGrantIsWaitedFor(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	r.tgt.wait.iam, r.tgt.wait.iamFirst = time.Minute, time.Millisecond
	r.fake.SetIAMPropagation(2, 0)
	redis := redistest.Start(t, redistest.Options{})
	a := attrs(t, `secret = "acme-redis-url"`)
	rec := &recorder{}
	if err := write(t, r, a, rec.conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	if n := len(r.fake.Revisions(serviceName)); n != 4 || svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() {
		t.Errorf("%d revisions, ready %s; want the first, two refused and a ready one", n, svc.GetLatestReadyRevision())
	}
	if v, set := read(t, r, a); !set || v != redis.URL("") {
		t.Error("the service does not hold the URL")
	}
	if !strings.Contains(strings.Join(rec.progress.All(), "\n"), "cannot read its secret yet") {
		t.Errorf("progress %q does not say why the revision is made again", rec.progress.All())
	}
}

// Past the bound the refusal is a failure like any other: the template
// is put back.
func TestGrantThatNeverAppliesIsRolledBack(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	r.tgt.wait.iam, r.tgt.wait.iamFirst = 5*time.Millisecond, time.Millisecond
	r.fake.SetIAMPropagation(1000, 0)
	redis := redistest.Start(t, redistest.Options{})
	err := write(t, r, attrs(t, `secret = "acme-redis-url"`), (&recorder{}).conn(redis.URL(""), nil))
	if err == nil || !strings.Contains(err.Error(), "Permission denied on secret") || !strings.Contains(err.Error(), "back exactly as it was") {
		t.Fatalf("err = %v", err)
	}
	if !proto.Equal(r.service(t).GetTemplate(), r.seed.GetTemplate()) {
		t.Error("the template is not back as it was")
	}
}
