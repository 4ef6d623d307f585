package cloudruntest

import (
	"context"
	"slices"
	"strings"
	"testing"

	run "cloud.google.com/go/run/apiv2"
	"cloud.google.com/go/run/apiv2/runpb"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
)

const name = "projects/acme-prod/locations/us-central1/services/acme-web"

type clients struct {
	fake      *Server
	run       *run.ServicesClient
	revisions *run.RevisionsClient
	secrets   *secretmanager.Client
}

func start(t *testing.T, opts Options, ex ExampleOptions) *clients {
	t.Helper()
	fake := Start(t, opts)
	if _, err := fake.AddExample("acme-prod", "us-central1", "acme-web", ex); err != nil {
		t.Fatal(err)
	}
	o := []option.ClientOption{option.WithEndpoint(fake.Addr()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	ctx := context.Background()
	rc, err := run.NewServicesClient(ctx, o...)
	if err != nil {
		t.Fatal(err)
	}
	vc, err := run.NewRevisionsClient(ctx, o...)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := secretmanager.NewClient(ctx, o...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close(); _ = vc.Close(); _ = sc.Close() })
	return &clients{fake: fake, run: rc, revisions: vc, secrets: sc}
}

func (c *clients) get(t *testing.T) *runpb.Service {
	t.Helper()
	svc, err := c.run.GetService(context.Background(), &runpb.GetServiceRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// deploy updates svc and waits for the operation.
func (c *clients) deploy(t *testing.T, svc *runpb.Service) (*runpb.Service, error) {
	t.Helper()
	op, err := c.run.UpdateService(context.Background(), &runpb.UpdateServiceRequest{Service: svc})
	if err != nil {
		return nil, err
	}
	return op.Wait(context.Background())
}

// setEnv sets a variable of the app container (a failed revision's stays
// in the template).
func setEnv(svc *runpb.Service, name, value string) {
	putEnv(svc, &runpb.EnvVar{Name: name, Values: &runpb.EnvVar_Value{Value: value}})
}

func putEnv(svc *runpb.Service, ev *runpb.EnvVar) {
	c := svc.GetTemplate().GetContainers()[0]
	c.Env = slices.DeleteFunc(c.Env, func(e *runpb.EnvVar) bool { return e.GetName() == ev.GetName() })
	c.Env = append(c.Env, ev)
}

func TestEtagsAndRevisions(t *testing.T) {
	c := start(t, Options{}, ExampleOptions{})
	before := c.get(t)
	// No template change: no revision, but a new etag and generation.
	svc := proto.Clone(before).(*runpb.Service)
	svc.Labels["cost-center"] = "42"
	svc.LatestReadyRevision, svc.Uri = "forged", "https://example.invalid" // output-only: ignored
	after, err := c.deploy(t, svc)
	if err != nil {
		t.Fatal(err)
	}
	if after.GetLatestCreatedRevision() != before.GetLatestCreatedRevision() || after.GetEtag() == before.GetEtag() ||
		after.GetGeneration() != before.GetGeneration()+1 || after.GetUri() != before.GetUri() || after.GetLatestReadyRevision() == "forged" {
		t.Errorf("after a label change: %v", after)
	}
	// The old etag is refused.
	_, err = c.deploy(t, before)
	if status.Code(err) != codes.Aborted {
		t.Errorf("stale etag: %v", err)
	}
	// A template change makes a ready revision.
	redis := redistest.Start(t, redistest.Options{})
	next := c.get(t)
	setEnv(next, "REDIS_URL", redis.URL(""))
	done, err := c.deploy(t, next)
	if err != nil {
		t.Fatal(err)
	}
	if done.GetLatestCreatedRevision() == before.GetLatestCreatedRevision() || done.GetLatestReadyRevision() != done.GetLatestCreatedRevision() ||
		!strings.Contains(done.GetLatestCreatedRevision(), "/revisions/acme-web-00002-") {
		t.Errorf("revisions %s, %s", done.GetLatestCreatedRevision(), done.GetLatestReadyRevision())
	}
	c.fake.ConflictNext(1)
	if _, err := c.deploy(t, c.get(t)); status.Code(err) != codes.Aborted {
		t.Errorf("ConflictNext: %v", err)
	}
}

// failing deploys svc with REDIS_URL set to url and returns the message of
// the revision that fails.
func failing(t *testing.T, c *clients, svc *runpb.Service) string {
	t.Helper()
	before := c.get(t)
	_, err := c.deploy(t, svc)
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("deploy: %v, want FailedPrecondition", err)
	}
	after := c.get(t)
	if after.GetLatestReadyRevision() != before.GetLatestReadyRevision() || after.GetTerminalCondition().GetState() != runpb.Condition_CONDITION_FAILED ||
		after.GetReconciling() {
		t.Errorf("after a failed revision: %v", after)
	}
	return after.GetTerminalCondition().GetMessage()
}

func TestRevisionsStartOnlyWhenTheAppCanConnect(t *testing.T) {
	c := start(t, Options{Network: func(addr string) string {
		if strings.HasSuffix(addr, ":6390") {
			return "projects/acme-prod/global/networks/default"
		}
		return ""
	}}, ExampleOptions{})
	for _, tc := range []struct{ url, want string }{
		{"redis://:pw@127.0.0.1:1/0", "Error 111 connecting to 127.0.0.1:1. Connection refused."},
		{"redis://:pw@10.20.0.5:6379/0", "Timeout connecting to server 10.20.0.5:6379"},
		{"redis://:pw@127.0.0.1:6390/0", "Timeout connecting to server 127.0.0.1:6390"},
		{"rediss://:pw@127.0.0.1:1/0?ssl_ca_certs=/etc/redis/ca.pem", "No such file or directory: '/etc/redis/ca.pem'"},
	} {
		svc := c.get(t)
		setEnv(svc, "REDIS_URL", tc.url)
		if msg := failing(t, c, svc); !strings.Contains(msg, tc.want) || strings.Contains(msg, ":pw@") {
			t.Errorf("%s: %s", tc.url, msg)
		}
	}
	redis := redistest.Start(t, redistest.Options{Password: "right"})
	svc := c.get(t)
	setEnv(svc, "REDIS_URL", "redis://:wrong@"+redis.Addr())
	if msg := failing(t, c, svc); !strings.Contains(msg, "AuthenticationError") {
		t.Errorf("wrong password: %s", msg)
	}
}

func TestSecretsAndTheirReaders(t *testing.T) {
	c := start(t, Options{}, ExampleOptions{})
	ctx := context.Background()
	redis := redistest.Start(t, redistest.Options{})
	sec, err := c.secrets.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{Parent: "projects/acme-prod", SecretId: "url",
		Secret: &secretmanagerpb.Secret{Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if sec.GetName() != "projects/"+ProjectNumber("acme-prod")+"/secrets/url" {
		t.Errorf("name %s does not use the project number", sec.GetName())
	}
	v, err := c.secrets.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{Parent: "projects/acme-prod/secrets/url",
		Payload: &secretmanagerpb.SecretPayload{Data: []byte(redis.URL(""))}})
	if err != nil || !strings.HasSuffix(v.GetName(), "/versions/1") {
		t.Fatalf("add version: %v %v", v, err)
	}
	svc := c.get(t)
	ref := &runpb.EnvVar{Name: "REDIS_URL", Values: &runpb.EnvVar_ValueSource{ValueSource: &runpb.EnvVarSource{
		SecretKeyRef: &runpb.SecretKeySelector{Secret: "url", Version: "1"}}}}
	putEnv(svc, ref)
	if msg := failing(t, c, svc); !strings.Contains(msg, "Permission denied on secret") || !strings.Contains(msg, ExampleServiceAccount("acme-prod")) {
		t.Errorf("ungranted: %s", msg)
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
	if err := h.SetPolicy(ctx, pol); status.Code(err) != codes.Aborted {
		t.Errorf("a policy with a stale etag: %v", err)
	}
	svc = c.get(t)
	putEnv(svc, ref)
	svc.Template.Labels["attempt"] = "2" // the template still holds ref: only a change makes a new revision
	if _, err := c.deploy(t, svc); err != nil {
		t.Fatalf("granted: %v", err)
	}
	if _, err := c.secrets.DisableSecretVersion(ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: v.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.secrets.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: "projects/acme-prod/secrets/url/versions/latest"}); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("a disabled version: %v", err)
	}
}
