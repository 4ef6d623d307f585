package memorystore

import (
	"context"
	"maps"
	"slices"
	"testing"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rediskit/rediskit/provision"
)

// reapply plays an apply right after an apply: state holds inst's
// attributes, refresh reads the instance again and Diff must find nothing.
func (r *rig) reapply(t *testing.T, what string, spec *Spec, inst *provision.Instance) {
	t.Helper()
	if d := r.b.Diff(spec, inst); len(d) != 0 {
		t.Errorf("%s: Diff of the instance just returned = %+v, want nothing", what, d)
	}
	read, err := r.b.Read(context.Background(), record(inst))
	if err != nil {
		t.Fatal(err)
	}
	if d := r.b.Diff(spec, read); len(d) != 0 {
		t.Errorf("%s: the next apply plans %+v, want nothing", what, d)
	}
}

func TestApplyAfterApplyPlansNothing(t *testing.T) {
	stacks := map[string]string{
		"defaults": channelsBlock,
		"read replicas": block(`tier = "STANDARD_HA"`, `memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`,
			`replica_count = 3`, `reserved_ip_range = "10.0.0.0/28"`, `secondary_ip_range = "auto"`),
		"private service access": block(`tier = "STANDARD_HA"`, `memory_size_gb = 5`, `connect_mode = "PRIVATE_SERVICE_ACCESS"`,
			`reserved_ip_range = "google-managed-services-default"`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`),
		"a short network name": block(`network = "default"`, `redis_configs = { "maxmemory-policy" = "noeviction" }`),
	}
	for name, src := range stacks {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, 0)
			r.fake.SetUnreachable(true)
			spec := mustSpec(t, src)
			created, _ := r.create(t, spec)
			r.reapply(t, "after the create", spec, created)
			if n := r.fake.Calls("UpdateInstance"); n != 0 {
				t.Errorf("%d UpdateInstance calls", n)
			}
		})
	}
}

// §6b row 8: under private service access the API reports the effective
// CIDR, not the range name rediskit sent; that echo never plans a replace.
func TestPrivateServiceAccessRangeNeverReplaces(t *testing.T) {
	r := newRig(t, 0)
	r.fake.SetUnreachable(true)
	spec := mustSpec(t, block(`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `reserved_ip_range = "google-managed-services-default"`))
	created, _ := r.create(t, spec)
	raw, _ := r.fake.Instance(instanceName)
	if raw.GetReservedIpRange() == spec.ReservedIPRange {
		t.Fatalf("the fake echoed the range name %q; it must report the effective CIDR", raw.GetReservedIpRange())
	}
	if created.Attrs["reserved_ip_range"] != spec.ReservedIPRange || created.Attrs["effective_reserved_ip_range"] != raw.GetReservedIpRange() {
		t.Errorf("state records range %q, effective %q", created.Attrs["reserved_ip_range"], created.Attrs["effective_reserved_ip_range"])
	}
	r.reapply(t, "private service access", spec, created)

	// Imported, nothing recorded: the name the stack gives cannot be
	// compared with the CIDR, so nothing is planned.
	imported, err := r.b.Import(context.Background(), "channels", instanceName)
	if err != nil {
		t.Fatal(err)
	}
	if d := r.b.Diff(spec, imported); len(d) != 0 {
		t.Errorf("Diff of an imported instance = %+v, want nothing", d)
	}
	// Another name in the stack is compared with the name rediskit sent.
	renamed := mustSpec(t, block(`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `reserved_ip_range = "redis-range"`))
	if d := r.b.Diff(renamed, created); len(d) != 1 || d[0].Name != "reserved_ip_range" || d[0].Old != spec.ReservedIPRange || !d[0].ForcesReplace {
		t.Errorf("a renamed range: Diff = %+v", d)
	}
	if _, err := r.b.Update(context.Background(), record(created), mustSpec(t, block(`connect_mode = "PRIVATE_SERVICE_ACCESS"`,
		`reserved_ip_range = "google-managed-services-default"`, `memory_size_gb = 2`))); err != nil {
		t.Errorf("an in-place update refused over the range's echo: %v", err)
	}
}

// §6b row 7: read replicas turned on for an existing instance are sent
// with secondary_ip_range in the same update; the fake refuses either alone.
func TestEnablingReadReplicasSendsTheRangeInTheSameUpdate(t *testing.T) {
	r := newRig(t, 0)
	r.fake.SetUnreachable(true)
	before := mustSpec(t, block(`tier = "STANDARD_HA"`, `memory_size_gb = 5`))
	created, _ := r.create(t, before)
	want := mustSpec(t, block(`tier = "STANDARD_HA"`, `memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`, `replica_count = 2`))
	changes := r.b.Diff(want, created)
	names := map[string]bool{}
	for _, c := range changes {
		names[c.Name] = true
		if c.ForcesReplace {
			t.Errorf("%s forces a replace: %+v", c.Name, c)
		}
	}
	if !names["read_replicas_mode"] || !names["replica_count"] || len(changes) != 2 {
		t.Errorf("Diff = %+v, want read_replicas_mode and replica_count in place", changes)
	}
	raw, _ := r.fake.Instance(instanceName)
	paths, body := updatePaths(raw, want, sentByRecord(created.Attrs))
	for _, p := range []string{"read_replicas_mode", "secondary_ip_range", "replica_count"} {
		if !slices.Contains(paths, p) {
			t.Errorf("update mask %v lacks %s", paths, p)
		}
	}
	if body.GetSecondaryIpRange() != "auto" || body.GetReadReplicasMode() != redispb.Instance_READ_REPLICAS_ENABLED || body.GetReplicaCount() != 2 {
		t.Errorf("update body: mode %v, secondary %q, %d replicas", body.GetReadReplicasMode(), body.GetSecondaryIpRange(), body.GetReplicaCount())
	}
	updated, err := r.b.Update(context.Background(), record(created), want)
	if err != nil {
		t.Fatal(err)
	}
	if r.fake.Calls("UpdateInstance") != 1 || updated.Attrs["read_replicas_mode"] != "READ_REPLICAS_ENABLED" || updated.Attrs["read_endpoint"] == "" {
		t.Errorf("%d updates; attrs %v", r.fake.Calls("UpdateInstance"), updated.Attrs)
	}
	r.reapply(t, "after enabling read replicas", want, updated)

	scaled := mustSpec(t, block(`tier = "STANDARD_HA"`, `memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`, `replica_count = 4`))
	if d := r.b.Diff(scaled, updated); len(d) != 1 || d[0].Name != "replica_count" || d[0].ForcesReplace {
		t.Errorf("scaling read replicas: Diff = %+v, want replica_count in place", d)
	}
	if d := r.b.Diff(before, updated); len(d) != 1 || d[0].Name != "read_replicas_mode" || !d[0].ForcesReplace {
		t.Errorf("turning read replicas off: Diff = %+v, want a replace", d)
	}
}

// The API's own forms of names and modes read as the stack writes them.
func TestAttrsNormaliseTheAPIsForms(t *testing.T) {
	inst := &redispb.Instance{Name: instanceName, AuthorizedNetwork: "default", ConnectMode: redispb.Instance_PRIVATE_SERVICE_ACCESS,
		ReservedIpRange: "10.100.0.0/29"}
	a := attrsOf(inst, sent{reservedRange: "google-managed-services-default"})
	if a["network"] != "projects/acme-prod/global/networks/default" || a["read_replicas_mode"] != "READ_REPLICAS_DISABLED" ||
		a["reserved_ip_range"] != "google-managed-services-default" || a["effective_reserved_ip_range"] != "10.100.0.0/29" {
		t.Errorf("attrs %v", a)
	}
	if a := attrsOf(&redispb.Instance{Name: instanceName}, sent{}); a["connect_mode"] != "DIRECT_PEERING" || a["read_replicas_mode"] != "READ_REPLICAS_DISABLED" {
		t.Errorf("unspecified modes read as %q and %q, want the API's defaults", a["connect_mode"], a["read_replicas_mode"])
	}
	inst.ReservedIpRange = ""
	if a := attrsOf(inst, sent{reservedRange: "google-managed-services-default"}); a["reserved_ip_range"] != "google-managed-services-default" {
		t.Errorf("no echo: reserved_ip_range = %q, want the name sent", a["reserved_ip_range"])
	}
	if !sameRange("10.0.0.0/28", "10.0.0.5/28") || sameRange("10.0.0.0/28", "10.0.1.0/28") || !sameRange("a-name", "10.0.0.0/28") {
		t.Error("sameRange compares CIDRs by network and nothing across forms")
	}
}

// Labels and Redis configuration that are not the stack's (added by the
// API or in the console) are neither planned away nor removed; a key the
// stack drops is removed.
func TestOnlyTheStacksKeysAreCompared(t *testing.T) {
	r := newRig(t, 0)
	r.fake.SetUnreachable(true)
	spec := mustSpec(t, block(`labels = { team = "web" }`, `redis_configs = { "maxmemory-policy" = "noeviction", "notify-keyspace-events" = "Ex" }`))
	created, _ := r.create(t, spec)
	c, err := r.b.api(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.UpdateInstance(context.Background(), &redispb.UpdateInstanceRequest{
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels", "redis_configs"}},
		Instance: &redispb.Instance{Name: instanceName,
			Labels:       map[string]string{"managed-by": "rediskit", "team": "web", "cost-center": "42"},
			RedisConfigs: map[string]string{"maxmemory-policy": "noeviction", "notify-keyspace-events": "Ex", "activedefrag": "yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.reapply(t, "with keys added outside rediskit", spec, created)

	dropped := mustSpec(t, block(`labels = { team = "web" }`, `redis_configs = { "maxmemory-policy" = "noeviction" }`))
	read, err := r.b.Read(context.Background(), record(created))
	if err != nil {
		t.Fatal(err)
	}
	if d := r.b.Diff(dropped, read); len(d) != 1 || d[0].Name != "redis_configs" {
		t.Fatalf("dropping a key: Diff = %+v, want redis_configs", d)
	}
	updated, err := r.b.Update(context.Background(), record(read), dropped)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := r.fake.Instance(instanceName)
	if !maps.Equal(raw.GetRedisConfigs(), map[string]string{"maxmemory-policy": "noeviction", "activedefrag": "yes"}) ||
		raw.GetLabels()["cost-center"] != "42" {
		t.Errorf("after the update: configs %v, labels %v", raw.GetRedisConfigs(), raw.GetLabels())
	}
	r.reapply(t, "after dropping a key", dropped, updated)
}
