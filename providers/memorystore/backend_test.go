package memorystore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/provision"
)

func record(inst *provision.Instance) provision.Record {
	return provision.Record{Name: "channels", ID: inst.ID, Attrs: inst.Attrs}
}

func TestReadAndDelete(t *testing.T) {
	r := newRig(t, 10*time.Millisecond)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	got, err := r.b.Read(context.Background(), record(created))
	if err != nil || got.URL != created.URL || got.Attrs["memory_size_gb"] != "1" || got.Attrs["state"] != "READY" {
		t.Fatalf("Read = %+v, %v", got.Attrs, err)
	}
	if err := r.b.Delete(context.Background(), record(created)); err != nil {
		t.Fatal(err)
	}
	if len(r.fake.Names()) != 0 {
		t.Errorf("fake still holds %v", r.fake.Names())
	}
	if _, err := r.b.Read(context.Background(), record(created)); !errors.Is(err, provision.ErrNotFound) {
		t.Errorf("Read after delete = %v, want ErrNotFound", err)
	}
	if err := r.b.Delete(context.Background(), record(created)); err != nil {
		t.Errorf("deleting a gone instance = %v, want nil", err)
	}
	if n := r.fake.Calls("DeleteInstance"); n != 2 {
		t.Errorf("%d DeleteInstance calls", n)
	}
}

func TestDeleteWaitsForABusyInstance(t *testing.T) {
	r := newRig(t, 0)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	if err := r.fake.SetState(instanceName, redispb.Instance_UPDATING); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = r.fake.SetState(instanceName, redispb.Instance_READY)
	}()
	if err := r.b.Delete(context.Background(), record(created)); err != nil {
		t.Fatal(err)
	}
	if len(r.fake.Names()) != 0 {
		t.Errorf("fake still holds %v", r.fake.Names())
	}
}

func TestUpdateInPlace(t *testing.T) {
	r := newRig(t, 10*time.Millisecond)
	created, _ := r.create(t, mustSpec(t, block(`auth = false`, `redis_version = "REDIS_7_0"`)))
	want := mustSpec(t, block(`memory_size_gb = 2`, `labels = { team = "web" }`,
		`redis_configs = { "maxmemory-policy" = "noeviction" }`))
	changes := r.b.Diff(want, created)
	names := map[string]bool{}
	for _, c := range changes {
		names[c.Name] = true
		if c.ForcesReplace {
			t.Errorf("%s forces a replace", c.Name)
		}
	}
	for _, n := range []string{"memory_size_gb", "labels", "redis_configs", "auth", "redis_version"} {
		if !names[n] {
			t.Errorf("Diff lacks %s: %+v", n, changes)
		}
	}

	updated, err := r.b.Update(context.Background(), record(created), want)
	if err != nil {
		t.Fatal(err)
	}
	if d := r.b.Diff(want, updated); len(d) != 0 {
		t.Errorf("after Update, Diff = %+v", d)
	}
	if r.fake.Calls("UpdateInstance") != 1 || r.fake.Calls("UpgradeInstance") != 1 {
		t.Errorf("%d updates, %d upgrades; want one of each", r.fake.Calls("UpdateInstance"), r.fake.Calls("UpgradeInstance"))
	}
	auth := r.fake.AuthString(instanceName)
	if auth == "" || !strings.Contains(updated.URL, ":"+auth+"@") || created.URL == updated.URL {
		t.Error("turning AUTH on did not put the new AUTH string in the URL")
	}
	if res := provision.Verify(context.Background(), updated, provision.VerifyOptions{Channels: true}); !res.Passed {
		t.Errorf("Verify after update: %s", res.Summary())
	}
	if n, _ := r.b.Update(context.Background(), record(updated), want); n == nil || r.fake.Calls("UpdateInstance") != 1 {
		t.Errorf("an Update with nothing to change called UpdateInstance")
	}
}

func TestUpdateLostAnswerIsNotRepeated(t *testing.T) {
	r := newRig(t, 10*time.Millisecond)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	r.fake.Fail(memorystoretest.Fault{Method: "UpdateInstance", Code: codes.Unavailable, Lost: true})
	updated, err := r.b.Update(context.Background(), record(created), mustSpec(t, block(`memory_size_gb = 3`)))
	if err != nil {
		t.Fatal(err)
	}
	if updated.Attrs["memory_size_gb"] != "3" || r.fake.Calls("UpdateInstance") != 1 {
		t.Errorf("memory %s after %d updates; want 3 after 1", updated.Attrs["memory_size_gb"], r.fake.Calls("UpdateInstance"))
	}
}

func TestUpdateOperationFails(t *testing.T) {
	r := newRig(t, 0)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	r.fake.FailNextOperation(codes.FailedPrecondition, "Not enough capacity in zone us-central1-a")
	_, err := r.b.Update(context.Background(), record(created), mustSpec(t, block(`memory_size_gb = 40`)))
	if err == nil || !strings.Contains(err.Error(), "Not enough capacity in zone us-central1-a") || !strings.Contains(err.Error(), "unchanged") {
		t.Fatalf("got %v", err)
	}
}

func TestDiffReplacesImmutableFields(t *testing.T) {
	r := newRig(t, 0)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	for attr, line := range map[string]string{
		"tier":               `tier = "STANDARD_HA"`,
		"network":            `network = "prod-vpc"`,
		"connect_mode":       `connect_mode = "PRIVATE_SERVICE_ACCESS"`,
		"transit_encryption": `transit_encryption = false`,
		"reserved_ip_range":  `reserved_ip_range = "10.9.0.0/29"`,
		"redis_version":      `redis_version = "REDIS_6_X"`,
	} {
		changes := r.b.Diff(mustSpec(t, block(line)), created)
		if len(changes) != 1 || changes[0].Name != attr || !changes[0].ForcesReplace || !strings.Contains(changes[0].Note, "rediskit migrate") {
			t.Errorf("%s: Diff = %+v, want one replacing change with a data-loss note", attr, changes)
		}
	}
	moved := mustSpec(t, channelsBlock)
	moved.Region = "europe-west1"
	if c := r.b.Diff(moved, created); len(c) != 1 || c[0].Name != "region" || !c[0].ForcesReplace {
		t.Errorf("region: Diff = %+v", c)
	}
	if _, err := r.b.Update(context.Background(), record(created), mustSpec(t, block(`tier = "STANDARD_HA"`))); err == nil || !strings.Contains(err.Error(), "tier") {
		t.Errorf("Update of the tier = %v, want a refusal", err)
	}
}

func TestDiffShowsBusyStates(t *testing.T) {
	r := newRig(t, 0)
	created, _ := r.create(t, mustSpec(t, channelsBlock))
	for _, st := range []redispb.Instance_State{redispb.Instance_MAINTENANCE, redispb.Instance_REPAIRING, redispb.Instance_UPDATING} {
		if err := r.fake.SetState(instanceName, st); err != nil {
			t.Fatal(err)
		}
		inst, err := r.b.Read(context.Background(), record(created))
		if err != nil {
			t.Fatal(err)
		}
		c := r.b.Diff(mustSpec(t, channelsBlock), inst)
		if len(c) != 1 || c[0].Name != "state" || c[0].Old != st.String() || !strings.Contains(c[0].Note, "waits until it is READY") {
			t.Errorf("%s: Diff = %+v", st, c)
		}
		if inst.Status != strings.ToLower(st.String()) {
			t.Errorf("%s: Status = %q", st, inst.Status)
		}
	}
}

func TestImport(t *testing.T) {
	r := newRig(t, 0)
	seeded, err := r.fake.AddInstance("projects/acme-prod/locations/us-central1", "legacy", &redispb.Instance{
		Tier: redispb.Instance_STANDARD_HA, MemorySizeGb: 5, RedisVersion: "REDIS_6_X", AuthEnabled: true,
		TransitEncryptionMode: redispb.Instance_SERVER_AUTHENTICATION})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := r.b.Import(context.Background(), "channels", seeded.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if inst.ID != seeded.GetName() || inst.Attrs["tier"] != "STANDARD_HA" || !strings.HasPrefix(inst.URL, "rediss://:") {
		t.Errorf("imported %s %v", inst.ID, inst.Attrs)
	}
	if res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true}); !res.Passed {
		t.Errorf("Verify: %s", res.Summary())
	}
	_, err = r.b.Import(context.Background(), "channels", "projects/acme-prod/locations/us-central1/instances/nope")
	if !errors.Is(err, provision.ErrNotFound) || !strings.Contains(err.Error(), "gcloud redis instances list") {
		t.Errorf("unknown instance: %v", err)
	}
	if _, err := r.b.Import(context.Background(), "channels", "legacy"); err == nil || !strings.Contains(err.Error(), "projects/PROJECT/locations/REGION/instances/INSTANCE") {
		t.Errorf("short id: %v", err)
	}
	if n := r.fake.Calls("GetInstance"); n != 2 {
		t.Errorf("%d GetInstance calls; a malformed id must not reach the API", n)
	}
}

func TestAuthStringNeverLeaks(t *testing.T) {
	r := newRig(t, 5*time.Millisecond)
	created, rec := r.create(t, mustSpec(t, channelsBlock))
	auth := r.fake.AuthString(instanceName)
	var texts []string
	for k, v := range created.Attrs {
		texts = append(texts, k+"="+v)
	}
	for _, p := range rec.history {
		for k, v := range p {
			texts = append(texts, k+"="+v)
		}
	}
	texts = append(texts, rec.progress.All()...)
	texts = append(texts, r.warns.All()...)
	for _, c := range r.b.Diff(mustSpec(t, block(`auth = false`, `memory_size_gb = 2`)), created) {
		texts = append(texts, c.Old, c.New, c.Note)
	}
	r.fake.Fail(memorystoretest.Fault{Method: "GetInstanceAuthString", Code: codes.PermissionDenied, Message: "Permission 'redis.instances.getAuthString' denied"})
	_, err := r.b.Read(context.Background(), record(created))
	if err == nil || !strings.Contains(err.Error(), "roles/redis.admin") {
		t.Errorf("Read without the permission = %v", err)
	} else {
		texts = append(texts, err.Error())
	}
	for _, text := range texts {
		if strings.Contains(text, auth) {
			t.Errorf("the AUTH string leaked in %q", text)
		}
	}
}
