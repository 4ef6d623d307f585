package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/provision"
)

// liveMinTimeout is the least `go test -timeout` the live test starts
// with. go test's default (10m) would panic half-way, and a panic skips
// every cleanup, leaving a billed instance behind.
const liveMinTimeout = 75 * time.Minute

// liveTest is one run of the live lifecycle.
type liveTest struct {
	t         *testing.T
	cfg       *liveConfig
	cloud     *liveCloud
	run       *liveRunner
	dir       string
	stackFile string
	// hadVPC says whether the service had VPC egress before the run.
	hadVPC bool
	// vpcNote says how to remove the VPC egress the run left, by design.
	vpcNote string
	usage   struct {
		msCreated, msGone time.Time
		upCreated, upGone time.Time
		upstashChecks     int
	}
}

// TestLiveLifecycle is the acceptance test against the real services, in
// the manner of Terraform's TF_ACC: skipped unless REDISKIT_LIVE=1 and
// everything it needs is set (README, "Live acceptance tests"). It runs
// the story the product promises, with the real commands in-process:
// Upstash created, verified and bound to Cloud Run through Secret Manager;
// a migration to Memorystore with Direct VPC egress; the rollback to the
// kept Upstash database; and destroy. Cleanup is registered before the
// first thing is created and checks with the services that nothing is
// left; the run's estimated cost is logged at the end.
func TestLiveLifecycle(t *testing.T) {
	cfg, skip := loadLiveConfig(liveGetenv)
	if skip != "" {
		t.Skip(skip)
	}
	if d, ok := t.Deadline(); ok && time.Until(d) < liveMinTimeout {
		t.Fatalf("the live test takes 20 to 40 minutes and must finish its cleanup: run it with -timeout 90m (this run has %s)", time.Until(d).Round(time.Minute))
	}
	l := newLiveTest(t, cfg)
	l.step("validate", func() { l.run.must(0, "validate", l.stackFile) })
	l.step("apply: create on Upstash, verify, bind the Cloud Run service", l.apply)
	l.step("migrate to Memorystore", l.migrateToMemorystore)
	l.step("roll back to Upstash", l.rollBack)
	l.step("destroy", l.destroy)
}

// newLiveTest checks the service, writes the stack into a folder of its
// own and registers the cleanup and the cost report, all before anything
// is created.
func newLiveTest(t *testing.T, cfg *liveConfig) *liveTest {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cloud, err := newLiveCloud(ctx, cfg, liveGetenv)
	if err != nil {
		t.Fatalf("connect to Google Cloud: %v", err)
	}
	t.Cleanup(cloud.close)
	l := &liveTest{t: t, cfg: cfg, cloud: cloud, run: &liveRunner{t: t, getenv: liveGetenv, redact: newRedactor(liveGetenv)}}
	l.checkService(ctx)
	dir, err := os.MkdirTemp("", "rediskit-live-")
	if err != nil {
		t.Fatal(err)
	}
	l.dir, l.stackFile = dir, filepath.Join(dir, "stack.hcl")
	if err := os.WriteFile(l.stackFile, []byte(cfg.stack()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("run %s: stack and state in %s", cfg.name(), dir)
	// Cleanups run last-registered first: cleanup, then the cost report
	// (which needs cleanup's times), then the clients are closed.
	t.Cleanup(l.reportCost)
	t.Cleanup(l.cleanup)
	return l
}

// checkService refuses a service the run could damage: one that does not
// exist, or that already has the variable the run binds (destroy would
// remove it).
func (l *liveTest) checkService(ctx context.Context) {
	svc, err := l.cloud.service(ctx)
	if err != nil {
		l.t.Fatalf("read Cloud Run service %s: %v; REDISKIT_LIVE_SERVICE must name an existing service in REDISKIT_LIVE_PROJECT and REDISKIT_LIVE_REGION (README, \"Live acceptance tests\", shows how to deploy a throwaway one)", l.cloud.serviceName(), err)
	}
	if container(svc, liveEnv) != nil {
		l.t.Fatalf("Cloud Run service %s already has %s; the live test binds and then removes it, so use a throwaway service without it", l.cfg.service, liveEnv)
	}
	va := svc.GetTemplate().GetVpcAccess()
	l.hadVPC = len(va.GetNetworkInterfaces()) > 0 || va.GetConnector() != ""
}

// step runs one stage of the story, timed in the log.
func (l *liveTest) step(name string, fn func()) {
	l.t.Helper()
	start := time.Now()
	l.t.Logf("── %s", name)
	fn()
	l.t.Logf("── %s: done in %s", name, time.Since(start).Round(time.Second))
}

func (l *liveTest) apply() {
	l.usage.upCreated = time.Now()
	l.usage.upstashChecks++
	l.run.must(0, "apply", "--auto-approve", l.stackFile)
	up := l.backend("upstash", provision.BackendActive)
	l.expectUpstash(up.ID)
	l.expectServing(false)
	l.verifyAndPlanNothing(true)
}

func (l *liveTest) migrateToMemorystore() {
	upstashID := l.backend("upstash", provision.BackendActive).ID
	before := l.secretVersion()
	l.usage.msCreated = time.Now()
	out := l.run.must(0, "migrate", "--to", "memorystore", "--auto-approve", l.stackFile)
	if !strings.Contains(out, "upstash → memorystore") {
		l.t.Errorf("migrate did not show the switch upstash → memorystore")
	}
	l.backend("memorystore", provision.BackendActive)
	if kept := l.backend("upstash", provision.BackendRetained); kept.ID != upstashID {
		l.t.Errorf("the retained Upstash database is %s, want the one the app used, %s", kept.ID, upstashID)
	}
	l.expectInstance()
	l.expectServing(true)
	if after := l.secretVersion(); after == before {
		l.t.Errorf("%s still references secret version %s after the switch to Memorystore", liveEnv, after)
	}
	if src, _ := os.ReadFile(l.stackFile); !strings.Contains(string(src), `provider = "memorystore"`) {
		l.t.Errorf("migrate did not set provider = \"memorystore\" in the stack file")
	}
	// Memorystore is private: from here verify checks the target only.
	l.verifyAndPlanNothing(false)
}

func (l *liveTest) rollBack() {
	upstashID := l.backend("upstash", provision.BackendRetained).ID
	before := l.secretVersion()
	l.usage.upstashChecks++
	l.run.must(0, "migrate", "--to", "upstash", "--auto-approve", l.stackFile)
	if up := l.backend("upstash", provision.BackendActive); up.ID != upstashID {
		l.t.Errorf("the rollback made Upstash database %s, want the kept one, %s", up.ID, upstashID)
	}
	l.backend("memorystore", provision.BackendRetained)
	l.expectUpstash(upstashID)
	l.expectServing(false)
	if after := l.secretVersion(); after == before {
		l.t.Errorf("%s still references secret version %s after the rollback", liveEnv, after)
	}
	l.verifyAndPlanNothing(true)
}

func (l *liveTest) destroy() {
	l.run.must(0, "destroy", "--auto-approve", "--delete-secrets", l.stackFile)
	if st := l.state(); st != nil && (len(st.Redis) > 0 || len(st.Targets) > 0) {
		l.t.Errorf("after destroy the state still records %d redis blocks and %d targets", len(st.Redis), len(st.Targets))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	left := l.leftovers(ctx)
	l.noteGone(left)
	if len(left) > 0 {
		l.t.Errorf("destroy left behind (cleanup tries again):\n%s", left)
	}
}

// verifyAndPlanNothing runs verify (which checks Upstash too when
// upstashVerified) and a plan that must have nothing to do.
func (l *liveTest) verifyAndPlanNothing(upstashVerified bool) {
	if upstashVerified {
		l.usage.upstashChecks++
	}
	l.run.must(0, "verify", l.stackFile)
	l.run.must(0, "plan", "--detailed-exitcode", l.stackFile)
}

func (l *liveTest) statePath() string { return filepath.Join(l.dir, ".rediskit", "state.json") }

// backend returns the recorded backend of type typ, failing the test
// unless it has the status want.
func (l *liveTest) backend(typ, want string) *provision.BackendState {
	l.t.Helper()
	st := l.state()
	var b *provision.BackendState
	if st != nil && st.RedisByName("channels") != nil {
		b = st.RedisByName("channels").Backend(typ)
	}
	if b == nil || b.Status != want {
		l.t.Fatalf("state: redis.channels has no %s backend with status %s (%+v)", typ, want, b)
	}
	return b
}

// expectUpstash checks with Upstash that the run's database is id, alone.
func (l *liveTest) expectUpstash(id string) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbs, err := l.cloud.upstashDatabases(ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	if len(dbs) != 1 || dbs[0].ID != id {
		l.t.Errorf("Upstash has %v named %s, want only the database state records, %s", dbs, l.cfg.name(), id)
	}
}

// expectInstance checks with Memorystore that the instance is what the
// stack asks for: ready, Basic, 1 GB, AUTH and TLS on, labelled.
func (l *liveTest) expectInstance() {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := l.cloud.instance(ctx)
	if err != nil || inst == nil {
		l.t.Fatalf("read Memorystore instance %s: %v (nil: %v)", l.cloud.instanceName(), err, inst == nil)
	}
	var problems []string
	if inst.GetState() != redispb.Instance_READY {
		problems = append(problems, "state "+inst.GetState().String())
	}
	if inst.GetTier() != redispb.Instance_BASIC || inst.GetMemorySizeGb() != 1 {
		problems = append(problems, "not Basic 1 GB: "+inst.GetTier().String())
	}
	if !inst.GetAuthEnabled() || inst.GetTransitEncryptionMode() != redispb.Instance_SERVER_AUTHENTICATION {
		problems = append(problems, "AUTH or TLS off")
	}
	if inst.GetLabels()["managed-by"] != "rediskit" {
		problems = append(problems, "no managed-by = rediskit label")
	}
	if len(problems) > 0 {
		l.t.Errorf("Memorystore instance %s: %s", inst.GetName(), strings.Join(problems, "; "))
	}
}

// expectServing checks with Cloud Run that the service serves its latest
// revision with the variable from the run's secret, and, for a private
// backend, VPC egress and the CA bundle.
func (l *liveTest) expectServing(private bool) {
	l.t.Helper()
	svc := l.service()
	problems := servingProblems(svc, liveEnv, l.cfg.name())
	if private {
		problems = append(problems, privateBackendProblems(svc, liveEnv)...)
	}
	if len(problems) > 0 {
		l.t.Fatalf("Cloud Run service %s: %s", l.cfg.service, strings.Join(problems, "; "))
	}
	l.t.Logf("Cloud Run serves revision %s", lastSegment(svc.GetLatestReadyRevision()))
}

func (l *liveTest) service() *runpb.Service {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	svc, err := l.cloud.service(ctx)
	if err != nil {
		l.t.Fatalf("read Cloud Run service: %v", err)
	}
	return svc
}

// secretVersion is the version of the run's secret the variable
// references now.
func (l *liveTest) secretVersion() string {
	l.t.Helper()
	ctr := container(l.service(), liveEnv)
	if ctr == nil {
		l.t.Fatalf("Cloud Run service %s has no %s", l.cfg.service, liveEnv)
	}
	return envVar(ctr, liveEnv).GetValueSource().GetSecretKeyRef().GetVersion()
}
