package cloudruntest

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
)

// TestDocumentedBehaviour checks the fake against each Cloud Run row of
// gcp-apis.md §6b, so that it can never again be easier than the API.
func TestDocumentedBehaviour(t *testing.T) {
	t.Run("row1_full_revision_names", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{})
		redis := redistest.Start(t, redistest.Options{})
		svc := c.get(t)
		setEnv(svc, "REDIS_URL", redis.URL(""))
		done, err := c.deploy(t, svc)
		if err != nil {
			t.Fatal(err)
		}
		prefix := name + "/revisions/acme-web-"
		if !strings.HasPrefix(done.GetLatestCreatedRevision(), prefix) || !strings.HasPrefix(done.GetLatestReadyRevision(), prefix) {
			t.Errorf("latest revisions %q, %q are not full names", done.GetLatestCreatedRevision(), done.GetLatestReadyRevision())
		}
		st := done.GetTrafficStatuses()
		if len(st) != 1 || strings.Contains(st[0].GetRevision(), "/") || !strings.HasSuffix(done.GetLatestReadyRevision(), "/"+st[0].GetRevision()) {
			t.Errorf("traffic statuses %v do not name the ready revision by its short name", st)
		}
		if _, err := c.revisions.GetRevision(context.Background(), &runpb.GetRevisionRequest{Name: done.GetLatestReadyRevision()}); err != nil {
			t.Errorf("GetRevision of latest_ready_revision as is: %v", err)
		}
	})

	t.Run("row2_default_service_account_filled_in", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{DefaultServiceAccount: true})
		if got := c.get(t).GetTemplate().GetServiceAccount(); got != DefaultServiceAccount("acme-prod") || !strings.HasSuffix(got, "-compute@developer.gserviceaccount.com") {
			t.Errorf("template.service_account = %q, want the default compute account", got)
		}
	})

	t.Run("row3_failure_keeps_the_serving_revision", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{})
		before := c.get(t)
		svc := proto.Clone(before).(*runpb.Service)
		setEnv(svc, "REDIS_URL", "redis://:pw@127.0.0.1:1/0")
		if _, err := c.deploy(t, svc); status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("deploy: %v, want FailedPrecondition", err)
		}
		after := c.get(t)
		if after.GetReconciling() || after.GetTerminalCondition().GetState() != runpb.Condition_CONDITION_FAILED {
			t.Errorf("reconciling %v, terminal condition %v; want false and FAILED", after.GetReconciling(), after.GetTerminalCondition())
		}
		if after.GetGeneration() != before.GetGeneration()+1 || after.GetObservedGeneration() != before.GetObservedGeneration() {
			t.Errorf("generation %d, observed %d; want %d and the serving one's, %d", after.GetGeneration(), after.GetObservedGeneration(),
				before.GetGeneration()+1, before.GetObservedGeneration())
		}
		if after.GetLatestReadyRevision() != before.GetLatestReadyRevision() || after.GetLatestCreatedRevision() == before.GetLatestCreatedRevision() {
			t.Errorf("ready %s, created %s; want the serving one ready and the failed one created", after.GetLatestReadyRevision(), after.GetLatestCreatedRevision())
		}
		if !equalStatuses(after.GetTrafficStatuses(), before.GetTrafficStatuses()) {
			t.Errorf("traffic statuses moved: %v, was %v", after.GetTrafficStatuses(), before.GetTrafficStatuses())
		}
	})

	t.Run("row4_asynchronous_revisions", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{})
		redis := redistest.Start(t, redistest.Options{})
		ctx := context.Background()
		before := c.get(t)
		svc := proto.Clone(before).(*runpb.Service)
		setEnv(svc, "REDIS_URL", redis.URL(""))
		svc.Template.Revision = "acme-web-rk-first"
		op, err := c.run.UpdateService(ctx, &runpb.UpdateServiceRequest{Service: svc})
		if err != nil {
			t.Fatal(err)
		}
		right := c.get(t)
		if right.GetLatestCreatedRevision() != before.GetLatestCreatedRevision() || !right.GetReconciling() {
			t.Errorf("right after UpdateService: created %s (was %s), reconciling %v; want the previous revision, reconciling",
				right.GetLatestCreatedRevision(), before.GetLatestCreatedRevision(), right.GetReconciling())
		}
		if right.GetTemplate().GetRevision() != "acme-web-rk-first" {
			t.Errorf("template.revision = %q, want the one sent", right.GetTemplate().GetRevision())
		}
		// Without anyone polling the operation, the rollout ends.
		later := c.get(t)
		if later.GetReconciling() || later.GetLatestReadyRevision() != name+"/revisions/acme-web-rk-first" {
			t.Errorf("later: reconciling %v, ready %s", later.GetReconciling(), later.GetLatestReadyRevision())
		}
		raw, err := c.run.LROClient.GetOperation(ctx, &longrunningpb.GetOperationRequest{Name: op.Name()})
		if err != nil || !raw.GetDone() {
			t.Errorf("the operation is not done on its own: %v %v", raw, err)
		}
		// The same name with the same configuration is that revision again;
		// with another configuration it is refused.
		again := c.get(t)
		again.Template.Labels["touched"] = "yes"
		if _, err := c.deploy(t, again); status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "with different configuration already exists") {
			t.Errorf("a taken name with another configuration: %v", err)
		}
		bad := c.get(t)
		bad.Template.Revision = "web-rk-1"
		bad.Template.Labels["touched"] = "yes"
		if _, err := c.deploy(t, bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("a name without the service's prefix: %v", err)
		}
		n := len(c.fake.Revisions(name))
		back := c.get(t)
		back.Template = proto.Clone(before.GetTemplate()).(*runpb.RevisionTemplate)
		back.Template.Revision = "acme-web-rk-first"
		setEnv(back, "REDIS_URL", redis.URL(""))
		if _, err := c.deploy(t, back); err != nil {
			t.Fatal(err)
		}
		if got := len(c.fake.Revisions(name)); got != n {
			t.Errorf("reusing a revision made a new one: %d revisions, was %d", got, n)
		}
	})

	t.Run("row5_computed_fields", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{})
		svc := c.get(t)
		svc.Template.VpcAccess = &runpb.VpcAccess{NetworkInterfaces: []*runpb.VpcAccess_NetworkInterface{{Subnetwork: "default"}}}
		svc.Template.Volumes = append(svc.Template.Volumes, &runpb.Volume{Name: "key", VolumeType: &runpb.Volume_Secret{
			Secret: &runpb.SecretVolumeSource{Secret: "django-secret-key", Items: []*runpb.VersionToPath{{Path: "key", Version: "2"}}}}})
		done, err := c.deploy(t, svc)
		if err != nil {
			t.Fatal(err)
		}
		ni := done.GetTemplate().GetVpcAccess().GetNetworkInterfaces()[0]
		if ni.GetNetwork() != "projects/acme-prod/global/networks/default" || ni.GetSubnetwork() != "projects/acme-prod/regions/us-central1/subnetworks/default" {
			t.Errorf("network interface %v, want full names", ni)
		}
		vs := done.GetTemplate().GetVolumes()
		if mode := vs[len(vs)-1].GetSecret().GetDefaultMode(); mode != 0o444 {
			t.Errorf("secret volume default_mode %o, want 444", mode)
		}
		if done.GetEtag() == "" || done.GetUid() == "" || done.GetEtag() == svc.GetEtag() {
			t.Errorf("etag %q, uid %q", done.GetEtag(), done.GetUid())
		}
	})

	t.Run("row6_iam_propagation", func(t *testing.T) {
		c := start(t, Options{}, ExampleOptions{})
		c.fake.SetIAMPropagation(2, 0)
		ctx := context.Background()
		redis := redistest.Start(t, redistest.Options{})
		if err := c.fake.AddSecret("acme-prod", "url", nil, [][]byte{[]byte(redis.URL(""))}); err != nil {
			t.Fatal(err)
		}
		h := c.secrets.IAM("projects/acme-prod/secrets/url")
		pol, err := h.Policy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pol.Add("serviceAccount:"+ExampleServiceAccount("acme-prod"), "roles/secretmanager.secretAccessor")
		if err := h.SetPolicy(ctx, pol); err != nil {
			t.Fatal(err)
		}
		for attempt := 1; attempt <= 3; attempt++ {
			svc := c.get(t)
			putEnv(svc, &runpb.EnvVar{Name: "REDIS_URL", Values: &runpb.EnvVar_ValueSource{ValueSource: &runpb.EnvVarSource{
				SecretKeyRef: &runpb.SecretKeySelector{Secret: "url", Version: "1"}}}})
			svc.Template.Labels["attempt"] = string(rune('0' + attempt))
			_, err := c.deploy(t, svc)
			if attempt < 3 && (err == nil || !strings.Contains(err.Error(), "Permission denied on secret")) {
				t.Errorf("attempt %d right after the grant: %v, want permission denied", attempt, err)
			}
			if attempt == 3 && err != nil {
				t.Errorf("attempt 3, once the grant applied: %v", err)
			}
		}
	})
}

func equalStatuses(a, b []*runpb.TrafficTargetStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
