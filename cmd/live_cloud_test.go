package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	redis "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"
	runapi "cloud.google.com/go/run/apiv2"
	"cloud.google.com/go/run/apiv2/runpb"
	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// liveCloud reads the real services directly, independently of rediskit's
// adapters, so that the live test checks what rediskit did by what Google
// and Upstash report. It only reads.
type liveCloud struct {
	cfg      *liveConfig
	getenv   func(string) string
	services *runapi.ServicesClient
	redis    *redis.CloudRedisClient
	secrets  *secretmanager.Client
	http     *http.Client
}

// upstashAPI is the Upstash Developer API, never an override: the live test
// talks to the real one.
const upstashAPI = "https://api.upstash.com"

// newLiveCloud connects with the same Application Default Credentials
// rediskit finds (gcp.Connector).
func newLiveCloud(ctx context.Context, cfg *liveConfig, getenv func(string) string) (*liveCloud, error) {
	opts, err := gcp.New(provision.Env{Getenv: getenv, Warn: func(string) {}}).ClientOptions(ctx)
	if err != nil {
		return nil, err
	}
	c := &liveCloud{cfg: cfg, getenv: getenv, http: &http.Client{Timeout: time.Minute}}
	if c.services, err = runapi.NewServicesClient(ctx, opts...); err != nil {
		return nil, fmt.Errorf("Cloud Run client: %w", err)
	}
	if c.redis, err = redis.NewCloudRedisClient(ctx, opts...); err != nil {
		return nil, fmt.Errorf("Memorystore client: %w", err)
	}
	if c.secrets, err = secretmanager.NewClient(ctx, opts...); err != nil {
		return nil, fmt.Errorf("Secret Manager client: %w", err)
	}
	return c, nil
}

func (c *liveCloud) close() {
	_ = c.services.Close()
	_ = c.redis.Close()
	_ = c.secrets.Close()
}

func (c *liveCloud) serviceName() string {
	return fmt.Sprintf("projects/%s/locations/%s/services/%s", c.cfg.project, c.cfg.region, c.cfg.service)
}

func (c *liveCloud) instanceName() string {
	return fmt.Sprintf("projects/%s/locations/%s/instances/%s", c.cfg.project, c.cfg.region, c.cfg.name())
}

func (c *liveCloud) service(ctx context.Context) (*runpb.Service, error) {
	return c.services.GetService(ctx, &runpb.GetServiceRequest{Name: c.serviceName()})
}

// instance returns the run's Memorystore instance, or nil when there is
// none.
func (c *liveCloud) instance(ctx context.Context) (*redispb.Instance, error) {
	inst, err := c.redis.GetInstance(ctx, &redispb.GetInstanceRequest{Name: c.instanceName()})
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	return inst, err
}

// secretExists reports whether secret id exists in the project.
func (c *liveCloud) secretExists(ctx context.Context, id string) (bool, error) {
	_, err := c.secrets.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/" + c.cfg.project + "/secrets/" + id})
	switch status.Code(err) {
	case codes.OK:
		return true, nil
	case codes.NotFound:
		return false, nil
	}
	return false, err
}

// upstashDatabase is what the test reads of an Upstash database: never
// its password or tokens, which the listing also holds.
type upstashDatabase struct {
	ID   string `json:"database_id"`
	Name string `json:"database_name"`
}

// upstashDatabases returns the account's databases named like this run's.
func (c *liveCloud) upstashDatabases(ctx context.Context) ([]upstashDatabase, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstashAPI+"/v2/redis/databases", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.getenv("UPSTASH_EMAIL"), c.getenv("UPSTASH_API_KEY"))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list Upstash databases: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list Upstash databases: %s", resp.Status)
	}
	var all []upstashDatabase
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return nil, fmt.Errorf("list Upstash databases: %w", err)
	}
	var mine []upstashDatabase
	for _, db := range all {
		if db.Name == c.cfg.name() {
			mine = append(mine, db)
		}
	}
	return mine, nil
}

// container is the service's container that holds the variable env, or
// nil.
func container(svc *runpb.Service, env string) *runpb.Container {
	for _, ctr := range svc.GetTemplate().GetContainers() {
		if envVar(ctr, env) != nil {
			return ctr
		}
	}
	return nil
}

func envVar(ctr *runpb.Container, name string) *runpb.EnvVar {
	for _, e := range ctr.GetEnv() {
		if e.GetName() == name {
			return e
		}
	}
	return nil
}

// servingProblems lists why svc is not serving its latest revision with
// env read from a numbered version of secret; none when it is. This is the
// documented test of a finished rollout: not reconciling, the terminal
// condition succeeded, the latest created revision is the latest ready one
// and it takes the traffic.
func servingProblems(svc *runpb.Service, env, secret string) []string {
	var p []string
	if svc.GetReconciling() {
		p = append(p, "the service is still reconciling")
	}
	if tc := svc.GetTerminalCondition(); tc.GetState() != runpb.Condition_CONDITION_SUCCEEDED {
		p = append(p, fmt.Sprintf("terminal condition is %s: %s", tc.GetState(), tc.GetMessage()))
	}
	ready := lastSegment(svc.GetLatestReadyRevision())
	if created := lastSegment(svc.GetLatestCreatedRevision()); ready == "" || ready != created {
		p = append(p, fmt.Sprintf("latest created revision %q is not the latest ready one %q", created, ready))
	}
	if !takesTraffic(svc, ready) {
		p = append(p, fmt.Sprintf("revision %q takes no traffic", ready))
	}
	ctr := container(svc, env)
	if ctr == nil {
		return append(p, "no container has "+env)
	}
	ref := envVar(ctr, env).GetValueSource().GetSecretKeyRef()
	if lastSegment(ref.GetSecret()) != secret {
		p = append(p, fmt.Sprintf("%s references secret %q, want %q", env, ref.GetSecret(), secret))
	}
	if v := ref.GetVersion(); v == "" || v == "latest" {
		p = append(p, fmt.Sprintf("%s references version %q of the secret, want a number", env, v))
	}
	return p
}

// takesTraffic reports whether revision serves some traffic, named or as
// the latest.
func takesTraffic(svc *runpb.Service, revision string) bool {
	for _, ts := range svc.GetTrafficStatuses() {
		if ts.GetPercent() == 0 {
			continue
		}
		if lastSegment(ts.GetRevision()) == revision || ts.GetType() == runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST {
			return true
		}
	}
	return false
}

// privateBackendProblems lists what a revision that reaches Memorystore
// needs and svc lacks: Direct VPC egress and the CA bundle mounted where
// the URL's ssl_ca_certs points (README, "What rediskit changes").
func privateBackendProblems(svc *runpb.Service, env string) []string {
	var p []string
	if len(svc.GetTemplate().GetVpcAccess().GetNetworkInterfaces()) == 0 && svc.GetTemplate().GetVpcAccess().GetConnector() == "" {
		p = append(p, "the revision has no VPC egress")
	}
	if ctr := container(svc, env); ctr != nil && !hasMount(ctr, liveCAMountPath) {
		p = append(p, "no CA bundle mounted at "+liveCAMountPath)
	}
	return p
}

// liveCAMountPath is where the CA of the variable liveEnv is mounted.
const liveCAMountPath = "/etc/rediskit/redis-url"

func hasMount(ctr *runpb.Container, path string) bool {
	for _, m := range ctr.GetVolumeMounts() {
		if m.GetMountPath() == path {
			return true
		}
	}
	return false
}

// lastSegment is the last part of a resource name ("projects/p/secrets/s"
// → "s"); APIs return full or short names.
func lastSegment(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

// liveServiceFixture is a service serving revision web-00002 with the
// variable from version 2 of secret rk, as Cloud Run reports it.
func liveServiceFixture() *runpb.Service {
	return &runpb.Service{
		Reconciling:           false,
		TerminalCondition:     &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_SUCCEEDED},
		LatestReadyRevision:   "projects/p/locations/r/services/web/revisions/web-00002",
		LatestCreatedRevision: "projects/p/locations/r/services/web/revisions/web-00002",
		TrafficStatuses:       []*runpb.TrafficTargetStatus{{Type: runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, Percent: 100}},
		Template: &runpb.RevisionTemplate{Containers: []*runpb.Container{
			{Name: "sidecar"},
			{Name: "app", Env: []*runpb.EnvVar{{Name: "REDIS_URL", Values: &runpb.EnvVar_ValueSource{ValueSource: &runpb.EnvVarSource{
				SecretKeyRef: &runpb.SecretKeySelector{Secret: "projects/p/secrets/rk", Version: "2"}}}}}},
		}},
	}
}

func TestLiveServingProblems(t *testing.T) {
	if p := servingProblems(liveServiceFixture(), "REDIS_URL", "rk"); len(p) != 0 {
		t.Errorf("a serving service has problems: %q", p)
	}
	cases := map[string]struct {
		change func(*runpb.Service)
		want   string
	}{
		// Cloud Run's documented failure: reconciling ends, the terminal
		// condition fails, and latest_ready_revision and the traffic stay
		// on the last good revision.
		"failed revision": {func(s *runpb.Service) {
			s.TerminalCondition = &runpb.Condition{State: runpb.Condition_CONDITION_FAILED, Message: "Revision web-00003 is not ready"}
			s.LatestCreatedRevision = "projects/p/locations/r/services/web/revisions/web-00003"
		}, "CONDITION_FAILED"},
		"still reconciling": {func(s *runpb.Service) { s.Reconciling = true }, "reconciling"},
		"traffic pinned elsewhere": {func(s *runpb.Service) {
			s.TrafficStatuses = []*runpb.TrafficTargetStatus{{Type: runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, Revision: "web-00001", Percent: 100}}
		}, "takes no traffic"},
		"latest version": {func(s *runpb.Service) {
			s.Template.Containers[1].Env[0].GetValueSource().SecretKeyRef.Version = "latest"
		}, `version "latest"`},
		"another secret": {func(s *runpb.Service) {
			s.Template.Containers[1].Env[0].GetValueSource().SecretKeyRef.Secret = "other"
		}, `secret "other"`},
		"plain value": {func(s *runpb.Service) {
			s.Template.Containers[1].Env[0].Values = &runpb.EnvVar_Value{Value: "rediss://…"}
		}, "references secret"},
		"no variable": {func(s *runpb.Service) { s.Template.Containers[1].Env = nil }, "no container has REDIS_URL"},
	}
	for name, c := range cases {
		svc := liveServiceFixture()
		c.change(svc)
		if p := strings.Join(servingProblems(svc, "REDIS_URL", "rk"), "; "); !strings.Contains(p, c.want) {
			t.Errorf("%s: problems %q, want one about %q", name, p, c.want)
		}
	}
}

func TestLivePrivateBackendProblems(t *testing.T) {
	svc := liveServiceFixture()
	if p := strings.Join(privateBackendProblems(svc, "REDIS_URL"), "; "); !strings.Contains(p, "VPC egress") || !strings.Contains(p, "CA bundle") {
		t.Errorf("a service without VPC egress or CA: problems %q", p)
	}
	svc.Template.VpcAccess = &runpb.VpcAccess{NetworkInterfaces: []*runpb.VpcAccess_NetworkInterface{{Network: "default", Subnetwork: "default"}}}
	svc.Template.Containers[1].VolumeMounts = []*runpb.VolumeMount{{Name: liveCAVolume, MountPath: liveCAMountPath}}
	if p := privateBackendProblems(svc, "REDIS_URL"); len(p) != 0 {
		t.Errorf("a service with VPC egress and the CA mounted has problems: %q", p)
	}
}
