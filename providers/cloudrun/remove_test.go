package cloudrun

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
)

func TestRemoveTakesOnlyTheVariable(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	a := attrs(t)
	if err := write(t, r, a, (&recorder{}).conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.tgt.Remove(ctx, a); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	if !bytes.Equal(cloudruntest.SpecBytes(svc, "", false), cloudruntest.SpecBytes(r.seed, "", false)) {
		t.Errorf("after Remove the service differs from before the write:\n%v", cloudruntest.Others(svc, "", false))
	}
	if _, set := read(t, r, a); set {
		t.Error("REDIS_URL still set")
	}
	calls := r.fake.Calls("UpdateService")
	if err := r.tgt.Remove(ctx, a); err != nil || r.fake.Calls("UpdateService") != calls {
		t.Errorf("removing again: %v, %d updates", err, r.fake.Calls("UpdateService")-calls)
	}
	gone := attrs(t)
	gone[AttrService] = "acme-api"
	if err := r.tgt.Remove(ctx, gone); err != nil {
		t.Errorf("removing from a service that is gone: %v", err)
	}
}

func TestDeleteSecretsLeavesForeignSecrets(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	if err := r.fake.AddSecret(project, "team-redis-url", nil, [][]byte{[]byte("redis://old")}); err != nil {
		t.Fatal(err)
	}
	a := attrs(t, `secret = "team-redis-url"`)
	if err := r.tgt.DeleteSecrets(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := r.fake.Secret("projects/acme-prod/secrets/team-redis-url"); !ok {
		t.Error("a secret rediskit did not create was deleted")
	}
	if w := r.warns.All(); len(w) != 1 || !strings.Contains(w[0], "left secret projects/acme-prod/secrets/team-redis-url") {
		t.Errorf("warnings %q", w)
	}
}

// A secret the service could not read is never referenced.
func TestGrantFailureChangesNothing(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	r.fake.Fail(cloudruntest.Fault{Method: "SetIamPolicy", Code: 7, Message: "denied"})
	err := write(t, r, attrs(t, `secret = "acme-redis-url"`), (&recorder{}).conn(redis.URL(""), nil))
	if err == nil || !strings.Contains(err.Error(), "PermissionDenied") || r.fake.Calls("UpdateService") != 0 {
		t.Fatalf("err = %v", err)
	}
}
