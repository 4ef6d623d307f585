package cloudrun

import (
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/provision"
)

// written writes url with a and returns the service and how many
// revisions it has made.
func written(t *testing.T, r *rig, a provision.TargetAttrs, conn provision.Connection) (*runpb.Service, int) {
	t.Helper()
	if err := write(t, r, a, conn); err != nil {
		t.Fatal(err)
	}
	return r.service(t), len(r.fake.Revisions(serviceName))
}

// A target whose settings change moves the value in one UpdateService,
// one revision: the previous variable and CA volume go in the same
// template change as the new ones come.
func TestMoveIsOneRevision(t *testing.T) {
	ca, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	redis := redistest.Start(t, redistest.Options{TLS: true, CA: ca})
	for _, tc := range []struct {
		name       string
		from, to   []string
		gone, come string // variables
	}{
		{name: "rename", from: nil, to: []string{`env = "CHANNELS_URL"`}, gone: "REDIS_URL", come: "CHANNELS_URL"},
		{name: "plain_to_secret", from: nil, to: []string{`secret = "acme-redis-url"`}, come: "REDIS_URL"},
		{name: "secret_rename", from: []string{`secret = "acme-redis-url"`}, to: []string{`secret = "acme-channels"`}, come: "REDIS_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
			from, to := attrs(t, tc.from...), attrs(t, tc.to...)
			conn := (&recorder{}).conn(redis.URL(""), nil)
			conn.CACert = ca.CertPEM()
			_, revs := written(t, r, from, conn)
			updates := r.fake.Calls("UpdateService")

			conn.Previous = from
			svc, after := written(t, r, to, conn)
			if n := r.fake.Calls("UpdateService") - updates; n != 1 || after != revs+1 {
				t.Errorf("the move took %d updates and %d revisions, want 1 and 1", n, after-revs)
			}
			if tc.gone != "" && r.env(t, tc.gone) != nil {
				t.Errorf("%s is still set", tc.gone)
			}
			if v, set := read(t, r, to); !set || v != redis.URL("") {
				t.Errorf("%s does not hold the URL (set %v)", tc.come, set)
			}
			var volumes []string
			for _, v := range svc.GetTemplate().GetVolumes() {
				volumes = append(volumes, v.GetName())
			}
			want := "cache rediskit-" + strings.ToLower(strings.ReplaceAll(to[AttrEnv], "_", "-")) + "-ca"
			if got := strings.Join(volumes, " "); got != want {
				t.Errorf("volumes %s, want %s", got, want)
			}
			// Moving again to where it is now changes nothing.
			if _, again := written(t, r, to, conn); again != after {
				t.Errorf("a second write of the moved value made %d revisions", again-after)
			}
		})
	}
}

// A move whose revision fails puts the template back exactly as it was:
// the previous variable is there again and the new one is not, and the
// error says that truthfully.
func TestFailedMoveRestoresTheTemplate(t *testing.T) {
	r := newRig(t, cloudruntest.Options{AppEnv: "CHANNELS_URL"}, cloudruntest.ExampleOptions{})
	r.tgt.wait.timeout = time.Hour // a failure must be seen as one, not waited out
	redis := redistest.Start(t, redistest.Options{})
	from, to := attrs(t), attrs(t, `env = "CHANNELS_URL"`)
	written(t, r, from, (&recorder{}).conn(redis.URL(""), nil))
	before := r.service(t).GetTemplate()
	updates := r.fake.Calls("UpdateService")

	conn := (&recorder{}).conn("redis://:pw@127.0.0.1:1/0", nil)
	conn.Previous = from
	err := write(t, r, to, conn)
	if err == nil || !strings.Contains(err.Error(), "did not become ready") || !strings.Contains(err.Error(), "back exactly as it was before this change") {
		t.Fatalf("err = %v", err)
	}
	svc := r.service(t)
	if !proto.Equal(svc.GetTemplate(), before) {
		t.Errorf("the template is not back as it was:\nbefore %v\nafter  %v", before, svc.GetTemplate())
	}
	if n := r.fake.Calls("UpdateService") - updates; n != 2 {
		t.Errorf("%d updates, want the move and the restore", n)
	}
	if v, set := read(t, r, from); !set || v != redis.URL("") {
		t.Error("REDIS_URL is not back")
	}
	if svc.GetReconciling() || svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() {
		t.Errorf("the service is not ready again: ready %s, created %s", svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision())
	}
}
