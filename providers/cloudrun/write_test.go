package cloudrun

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
)

func TestWritePlainChangesOnlyTheVariable(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	redis := redistest.Start(t, redistest.Options{})
	a := attrs(t)
	rec := &recorder{}
	if err := write(t, r, a, rec.conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	ev := r.env(t, "REDIS_URL")
	if ev.GetValue() != redis.URL("") {
		t.Fatalf("REDIS_URL is %v", ev)
	}
	if !bytes.Equal(cloudruntest.SpecBytes(svc, "REDIS_URL", false), cloudruntest.SpecBytes(r.seed, "REDIS_URL", false)) {
		t.Errorf("the service changed beyond REDIS_URL:\nbefore %v\nafter  %v", cloudruntest.Others(r.seed, "REDIS_URL", false), cloudruntest.Others(svc, "REDIS_URL", false))
	}
	if svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() || svc.GetLatestReadyRevision() == r.seed.GetLatestReadyRevision() {
		t.Errorf("no new ready revision: %s / %s", svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision())
	}
	if rec.recorded() != nil || len(rec.history) != 2 || rec.history[0][pendingPrevious] != r.seed.GetLatestReadyRevision() ||
		rec.history[0][pendingRevision] != svc.GetLatestCreatedRevision() || svc.GetTemplate().GetRevision() != shortRevision(svc.GetLatestCreatedRevision()) {
		t.Errorf("pending records %v, want the revision rediskit named (%s) and then nothing", rec.history, svc.GetTemplate().GetRevision())
	}
	if v, set := read(t, r, a); !set || v != redis.URL("") {
		t.Errorf("Read = %v", set)
	}
	// The same value again changes nothing, not even the etag.
	calls := r.fake.Calls("UpdateService")
	if err := write(t, r, a, rec.conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	if r.fake.Calls("UpdateService") != calls || r.service(t).GetEtag() != svc.GetEtag() {
		t.Error("writing the same value updated the service")
	}
}

func TestWriteSecretReferencesNumberedVersions(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	a := attrs(t, `secret = "acme-redis-url"`)
	var urls []string
	for range 3 {
		redis := redistest.Start(t, redistest.Options{})
		urls = append(urls, redis.URL(""))
		if err := write(t, r, a, (&recorder{}).conn(redis.URL(""), nil)); err != nil {
			t.Fatal(err)
		}
		if v, set := read(t, r, a); !set || v != redis.URL("") {
			t.Fatalf("Read after writing %d URLs: set %v, right value %v", len(urls), set, v == redis.URL(""))
		}
	}
	ref := r.env(t, "REDIS_URL").GetValueSource().GetSecretKeyRef()
	if ref.GetSecret() != "acme-redis-url" || ref.GetVersion() != "3" {
		t.Errorf("REDIS_URL references %v, want version 3 of acme-redis-url", ref)
	}
	sec, versions, policy, ok := r.fake.Secret("projects/acme-prod/secrets/acme-redis-url")
	if !ok || sec.GetLabels()["managed-by"] != "rediskit" || sec.GetReplication().GetAutomatic() == nil {
		t.Fatalf("secret %v", sec)
	}
	wantStates := []secretmanagerpb.SecretVersion_State{secretmanagerpb.SecretVersion_DISABLED, secretmanagerpb.SecretVersion_ENABLED, secretmanagerpb.SecretVersion_ENABLED}
	for i, v := range versions {
		if v.State != wantStates[i] || string(v.Payload) != urls[i] {
			t.Errorf("version %d: %s, payload right %v", v.Number, v.State, string(v.Payload) == urls[i])
		}
	}
	member := "serviceAccount:" + cloudruntest.ExampleServiceAccount(project)
	if len(policy.GetBindings()) != 1 || policy.GetBindings()[0].GetRole() != "roles/secretmanager.secretAccessor" || policy.GetBindings()[0].GetMembers()[0] != member {
		t.Errorf("policy %v, want %s as accessor", policy, member)
	}
	// The same URL again reuses the newest version.
	if err := write(t, r, a, (&recorder{}).conn(urls[2], nil)); err != nil || r.fake.Calls("AddSecretVersion") != 3 {
		t.Errorf("rewrite: %v, %d versions added", err, r.fake.Calls("AddSecretVersion"))
	}
}

func TestWriteDefaultServiceAccountGetsAccess(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{DefaultServiceAccount: true})
	redis := redistest.Start(t, redistest.Options{})
	if err := write(t, r, attrs(t, `secret = "acme-redis-url"`), (&recorder{}).conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	_, _, policy, _ := r.fake.Secret("projects/acme-prod/secrets/acme-redis-url")
	if got := policy.GetBindings()[0].GetMembers()[0]; got != "serviceAccount:"+cloudruntest.DefaultServiceAccount(project) {
		t.Errorf("granted %s", got)
	}
}

// A Memorystore-like backend: TLS with its own CA, on a private network.
func TestWritePrivateTLSBackend(t *testing.T) {
	ca, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	redis := redistest.Start(t, redistest.Options{TLS: true, CA: ca})
	r := newRig(t, cloudruntest.Options{Network: func(addr string) string {
		if addr == redis.Addr() {
			return network
		}
		return ""
	}}, cloudruntest.ExampleOptions{})
	a := attrs(t, `secret = "acme-redis-url"`, "vpc {\n  subnetwork = \"default\"\n}")
	conn := (&recorder{}).conn(redis.URL(""), nil)
	conn.CACert, conn.Private, conn.Network = ca.CertPEM(), true, network
	if err := write(t, r, a, conn); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	ni := svc.GetTemplate().GetVpcAccess().GetNetworkInterfaces()
	if len(ni) != 1 || ni[0].GetNetwork() != network || ni[0].GetSubnetwork() != "projects/acme-prod/regions/us-central1/subnetworks/default" ||
		svc.GetTemplate().GetVpcAccess().GetEgress() != runpb.VpcAccess_PRIVATE_RANGES_ONLY {
		t.Errorf("vpc access %v", svc.GetTemplate().GetVpcAccess())
	}
	_, versions, _, _ := r.fake.Secret("projects/acme-prod/secrets/acme-redis-url")
	if want := redis.URL("") + "?ssl_cert_reqs=required&ssl_ca_certs=/etc/rediskit/redis-url/ca.pem&ssl_check_hostname=false"; string(versions[0].Payload) != want {
		t.Errorf("the secret holds the URL without the CA parameter")
	}
	_, caVersions, _, ok := r.fake.Secret("projects/acme-prod/secrets/acme-redis-url-ca")
	if !ok || !bytes.Equal(caVersions[0].Payload, ca.CertPEM()) {
		t.Error("no CA secret")
	}
	if v, _ := read(t, r, a); v != redis.URL("") {
		t.Error("Read does not strip the CA parameter")
	}
	if !bytes.Equal(cloudruntest.SpecBytes(svc, "REDIS_URL", true), cloudruntest.SpecBytes(r.seed, "REDIS_URL", true)) {
		t.Errorf("the service changed beyond ours:\n%v", cloudruntest.Others(svc, "REDIS_URL", true))
	}
	// Removing takes the variable and the CA out, and leaves egress and
	// the secrets.
	if err := r.tgt.Remove(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	after := r.service(t)
	if r.env(t, "REDIS_URL") != nil || len(after.GetTemplate().GetVolumes()) != 1 || after.GetTemplate().GetVpcAccess() == nil {
		t.Errorf("after Remove: %v", after.GetTemplate())
	}
	if _, _, _, ok := r.fake.Secret("projects/acme-prod/secrets/acme-redis-url"); !ok {
		t.Error("Remove deleted the secret")
	}
	if err := r.tgt.DeleteSecrets(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"acme-redis-url", "acme-redis-url-ca"} {
		if _, _, _, ok := r.fake.Secret("projects/acme-prod/secrets/" + id); ok {
			t.Errorf("DeleteSecrets left %s", id)
		}
	}
}

func TestWritePrivateWithoutEgressFails(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	conn := (&recorder{}).conn("redis://:pw@127.0.0.1:1/0", nil)
	conn.Private, conn.Network = true, network
	err := write(t, r, attrs(t), conn)
	if err == nil || !strings.Contains(err.Error(), "vpc {") {
		t.Fatalf("err = %v", err)
	}
	if r.fake.Calls("UpdateService") != 0 {
		t.Error("the service was updated")
	}
}

func TestFailedRevisionIsRolledBack(t *testing.T) {
	legacy := redistest.Start(t, redistest.Options{})
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{Env: map[string]string{"REDIS_URL": legacy.URL("")}})
	// Cloud Run reports the failure at once; a wait that missed it
	// would run into the test's deadline instead.
	r.tgt.wait.timeout = time.Hour
	rec := &recorder{}
	dead := "redis://:s3cret-pw@127.0.0.1:1/0"
	err := write(t, r, attrs(t), rec.conn(dead, nil))
	if err == nil || !strings.Contains(err.Error(), "did not become ready") || !strings.Contains(err.Error(), "Connection refused") ||
		!strings.Contains(err.Error(), "put service acme-web back exactly as it was before this change") {
		t.Fatalf("err = %v", err)
	}
	if got := r.service(t).GetTemplate(); !proto.Equal(got, r.seed.GetTemplate()) {
		t.Errorf("the template is not back as it was:\nbefore %v\nafter  %v", r.seed.GetTemplate(), got)
	}
	if strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(strings.Join(rec.progress.All(), "\n"), "s3cret-pw") {
		t.Error("the password leaked")
	}
	svc := r.service(t)
	if r.env(t, "REDIS_URL").GetValue() != legacy.URL("") {
		t.Error("REDIS_URL was not put back")
	}
	if svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() || svc.GetTerminalCondition().GetState() != runpb.Condition_CONDITION_SUCCEEDED {
		t.Errorf("the service is not back to ready: %v", svc.GetTerminalCondition())
	}
	if rec.recorded() != nil {
		t.Errorf("pending left: %v", rec.recorded())
	}
}

func TestEtagConflictIsRetried(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	r.fake.ConflictNext(2)
	redis := redistest.Start(t, redistest.Options{})
	rec := &recorder{}
	if err := write(t, r, attrs(t), rec.conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	if r.fake.Calls("UpdateService") != 3 || svc.GetAnnotations()["acme.dev/last-writer"] != "deploy-job-2" || r.env(t, "REDIS_URL") == nil {
		t.Errorf("%d updates, annotations %v", r.fake.Calls("UpdateService"), svc.GetAnnotations())
	}
	r.fake.ConflictNext(10)
	err := write(t, r, attrs(t), rec.conn(redis.URL("localhost"), nil))
	if err == nil || !strings.Contains(err.Error(), "Aborted") {
		t.Errorf("endless conflicts: %v", err)
	}
}

func TestPinnedTrafficWarns(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	first := r.seed.GetLatestReadyRevision()
	err := r.fake.Edit(serviceName, func(svc *runpb.Service) {
		svc.Traffic = []*runpb.TrafficTarget{{Type: runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION,
			Revision: shortRevision(first), Percent: 100}}
	})
	if err != nil {
		t.Fatal(err)
	}
	redis := redistest.Start(t, redistest.Options{})
	if err := write(t, r, attrs(t), (&recorder{}).conn(redis.URL(""), nil)); err != nil {
		t.Fatal(err)
	}
	w := r.warns.All()
	if len(w) != 1 || !strings.Contains(w[0], "(acme-web-00001-") || !strings.Contains(w[0], "gets none") || !strings.Contains(w[0], "--to-latest") {
		t.Errorf("warnings %q", w)
	}
}

// The API fills in what rediskit leaves out (the subnetwork of a network,
// the mode of secret files) in its own form: a second write of the same
// URL must still find nothing to change.
func TestWriteAfterWriteChangesNothing(t *testing.T) {
	ca, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	redis := redistest.Start(t, redistest.Options{TLS: true, CA: ca})
	r := newRig(t, cloudruntest.Options{Network: func(addr string) string {
		if addr == redis.Addr() {
			return network
		}
		return ""
	}}, cloudruntest.ExampleOptions{})
	a := attrs(t, "vpc {\n  network = \"default\"\n}")
	conn := (&recorder{}).conn(redis.URL(""), nil)
	conn.CACert, conn.Private, conn.Network = ca.CertPEM(), true, network
	if err := write(t, r, a, conn); err != nil {
		t.Fatal(err)
	}
	svc := r.service(t)
	ni := svc.GetTemplate().GetVpcAccess().GetNetworkInterfaces()
	if len(ni) != 1 || ni[0].GetSubnetwork() == "" || svc.GetTemplate().GetVolumes()[1].GetSecret().GetDefaultMode() == 0 {
		t.Fatalf("the fake filled in nothing: %v", svc.GetTemplate())
	}
	updates := r.fake.Calls("UpdateService")
	if err := write(t, r, a, conn); err != nil {
		t.Fatal(err)
	}
	if n := r.fake.Calls("UpdateService") - updates; n != 0 {
		t.Errorf("the second write updated the service %d times", n)
	}
}
