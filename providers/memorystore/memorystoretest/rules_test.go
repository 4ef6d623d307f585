package memorystoretest

import (
	"context"
	"testing"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// rulesFake is a fake whose instances need no redis-server: these tests
// are about the API's answers only.
func rulesFake(t *testing.T) (*Server, context.Context, func(*redispb.Instance, string) (*redispb.Instance, error)) {
	t.Helper()
	fake := Start(t, Options{})
	fake.SetUnreachable(true)
	c := client(t, fake.Addr())
	ctx := context.Background()
	create := func(inst *redispb.Instance, id string) (*redispb.Instance, error) {
		op, err := c.CreateInstance(ctx, &redispb.CreateInstanceRequest{Parent: parent, InstanceId: id, Instance: inst})
		if err != nil {
			return nil, err
		}
		return op.Wait(ctx)
	}
	return fake, ctx, create
}

func standard(gb int32, mode redispb.Instance_ReadReplicasMode, replicas int32) *redispb.Instance {
	return &redispb.Instance{Tier: redispb.Instance_STANDARD_HA, MemorySizeGb: gb, ReadReplicasMode: mode, ReplicaCount: replicas}
}

// §6b row 7: read replicas only with read_replicas_mode =
// READ_REPLICAS_ENABLED, nodes of at least 5 GB, the STANDARD_HA tier and
// a reserved range of /28 or larger.
func TestReadReplicaCreateRules(t *testing.T) {
	_, _, create := rulesFake(t)
	on, off := redispb.Instance_READ_REPLICAS_ENABLED, redispb.Instance_READ_REPLICAS_DISABLED
	basic := standard(5, on, 2)
	basic.Tier = redispb.Instance_BASIC
	slash29 := standard(5, on, 2)
	slash29.ReservedIpRange = "10.0.0.0/29"
	secondary29 := standard(5, on, 2)
	secondary29.SecondaryIpRange = "10.0.1.0/29"
	refused := map[string]*redispb.Instance{
		"replicas without the mode": standard(5, off, 3),
		"under 5 GB":                standard(4, on, 2),
		"BASIC tier":                basic,
		"a /29 range":               slash29,
		"a /29 secondary range":     secondary29,
		"six replicas":              standard(5, on, 6),
	}
	for name, inst := range refused {
		if _, err := create(inst, "refused"); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: create = %v, want InvalidArgument", name, err)
		}
	}
	slash28 := standard(5, on, 0)
	slash28.ReservedIpRange = "10.0.0.0/28"
	inst, err := create(slash28, "replicas")
	if err != nil {
		t.Fatal(err)
	}
	if inst.GetReplicaCount() != 2 || inst.GetReadEndpoint() == "" || inst.GetReadEndpointPort() == 0 || len(inst.GetNodes()) != 3 ||
		inst.GetReservedIpRange() != "10.0.0.0/28" {
		t.Errorf("read replicas: %d replicas (default 2), read endpoint %q:%d, %d nodes, range %q",
			inst.GetReplicaCount(), inst.GetReadEndpoint(), inst.GetReadEndpointPort(), len(inst.GetNodes()), inst.GetReservedIpRange())
	}
	plain, err := create(standard(1, off, 0), "plain")
	if err != nil {
		t.Fatal(err)
	}
	if plain.GetReadEndpoint() != "" || plain.GetReplicaCount() != 1 || plain.GetReadReplicasMode() != off {
		t.Errorf("without read replicas: read endpoint %q, %d replicas, mode %v", plain.GetReadEndpoint(), plain.GetReplicaCount(), plain.GetReadReplicasMode())
	}
}

// §6b row 7: turning read replicas on for an existing instance needs
// secondary_ip_range in the same update; they cannot be turned off; and
// without them the replica count is fixed.
func TestReadReplicaUpdateRules(t *testing.T) {
	fake, ctx, create := rulesFake(t)
	c := client(t, fake.Addr())
	inst, err := create(standard(5, redispb.Instance_READ_REPLICAS_DISABLED, 0), "later")
	if err != nil {
		t.Fatal(err)
	}
	update := func(body *redispb.Instance, paths ...string) (*redispb.Instance, error) {
		body.Name = inst.GetName()
		op, err := c.UpdateInstance(ctx, &redispb.UpdateInstanceRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, Instance: body})
		if err != nil {
			return nil, err
		}
		return op.Wait(ctx)
	}
	on := &redispb.Instance{ReadReplicasMode: redispb.Instance_READ_REPLICAS_ENABLED, ReplicaCount: 2, SecondaryIpRange: "auto"}
	if _, err := update(on, "read_replicas_mode", "replica_count"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("enabling without secondary_ip_range in the mask = %v, want InvalidArgument", err)
	}
	if _, err := update(&redispb.Instance{ReplicaCount: 3}, "replica_count"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("scaling replicas without read replicas = %v, want InvalidArgument", err)
	}
	if _, err := update(&redispb.Instance{ReadReplicasMode: redispb.Instance_READ_REPLICAS_ENABLED, SecondaryIpRange: "10.0.1.0/29"}, "read_replicas_mode", "secondary_ip_range"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a /29 secondary range = %v, want InvalidArgument", err)
	}
	got, err := update(on, "read_replicas_mode", "secondary_ip_range", "replica_count")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetReadReplicasMode() != redispb.Instance_READ_REPLICAS_ENABLED || got.GetSecondaryIpRange() != AutoSecondaryRange ||
		got.GetReplicaCount() != 2 || got.GetReadEndpoint() == "" || len(got.GetNodes()) != 3 {
		t.Errorf("after enabling: mode %v, secondary %q, %d replicas, read endpoint %q, %d nodes", got.GetReadReplicasMode(),
			got.GetSecondaryIpRange(), got.GetReplicaCount(), got.GetReadEndpoint(), len(got.GetNodes()))
	}
	if _, err := update(&redispb.Instance{ReplicaCount: 4}, "replica_count"); err != nil {
		t.Errorf("scaling read replicas = %v", err)
	}
	if _, err := update(&redispb.Instance{ReadReplicasMode: redispb.Instance_READ_REPLICAS_DISABLED}, "read_replicas_mode"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("disabling read replicas = %v, want InvalidArgument", err)
	}
	small, err := create(standard(4, redispb.Instance_READ_REPLICAS_DISABLED, 0), "small")
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.UpdateInstance(ctx, &redispb.UpdateInstanceRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"read_replicas_mode", "secondary_ip_range"}},
		Instance: &redispb.Instance{Name: small.GetName(), ReadReplicasMode: redispb.Instance_READ_REPLICAS_ENABLED, SecondaryIpRange: "auto"}})
	if err == nil {
		_, err = op.Wait(ctx)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("enabling read replicas on 4 GB = %v, want InvalidArgument", err)
	}
}

// UpdateInstance takes only the documented paths: never a field fixed at
// creation.
func TestUpdateRefusesImmutableFields(t *testing.T) {
	fake, ctx, create := rulesFake(t)
	c := client(t, fake.Addr())
	inst, err := create(standard(5, redispb.Instance_READ_REPLICAS_DISABLED, 0), "fixed")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"tier", "connect_mode", "authorized_network", "reserved_ip_range", "transit_encryption_mode", "location_id", "redis_version", "bogus"} {
		_, err := c.UpdateInstance(ctx, &redispb.UpdateInstanceRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{p}}, Instance: inst})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s in the update mask = %v, want InvalidArgument", p, err)
		}
	}
}

// §6b row 8: with private service access reserved_ip_range takes an
// allocated range's name, and the API reports the effective CIDR rather
// than echoing the name.
func TestPrivateServiceAccessReportsTheEffectiveRange(t *testing.T) {
	_, _, create := rulesFake(t)
	inst := standard(5, redispb.Instance_READ_REPLICAS_ENABLED, 2)
	inst.ConnectMode, inst.ReservedIpRange = redispb.Instance_PRIVATE_SERVICE_ACCESS, "google-managed-services-default"
	got, err := create(inst, "psa")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetReservedIpRange() == "google-managed-services-default" || got.GetReservedIpRange() != EffectiveRangePrefix+"/28" {
		t.Errorf("reserved_ip_range reads %q, want the effective CIDR %s/28", got.GetReservedIpRange(), EffectiveRangePrefix)
	}
	cidr := standard(1, redispb.Instance_READ_REPLICAS_DISABLED, 0)
	cidr.ConnectMode, cidr.ReservedIpRange = redispb.Instance_PRIVATE_SERVICE_ACCESS, "10.0.0.0/29"
	if _, err := create(cidr, "psa-cidr"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a CIDR under private service access = %v, want InvalidArgument", err)
	}
	name := standard(1, redispb.Instance_READ_REPLICAS_DISABLED, 0)
	name.ReservedIpRange = "google-managed-services-default"
	if _, err := create(name, "peering-name"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a range name under direct peering = %v, want InvalidArgument", err)
	}
}

// §6b row 5 for Memorystore: the API fills in computed fields and reports
// the network by its full name whatever it was given.
func TestCreateFillsComputedFields(t *testing.T) {
	_, _, create := rulesFake(t)
	inst := standard(1, redispb.Instance_READ_REPLICAS_DISABLED, 0)
	inst.AuthorizedNetwork = "shared"
	got, err := create(inst, "computed")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetAuthorizedNetwork() != "projects/p/global/networks/shared" {
		t.Errorf("authorized_network = %q, want the full name", got.GetAuthorizedNetwork())
	}
	if got.GetCurrentLocationId() != "us-central1-a" || got.GetAlternativeLocationId() != "us-central1-b" ||
		got.GetPersistenceIamIdentity() == "" || len(got.GetNodes()) != 2 || got.GetReservedIpRange() != "10.0.0.0/29" ||
		got.GetReadReplicasMode() != redispb.Instance_READ_REPLICAS_DISABLED {
		t.Errorf("computed fields: zone %q/%q, identity %q, nodes %v, range %q, mode %v", got.GetCurrentLocationId(),
			got.GetAlternativeLocationId(), got.GetPersistenceIamIdentity(), got.GetNodes(), got.GetReservedIpRange(), got.GetReadReplicasMode())
	}
}
