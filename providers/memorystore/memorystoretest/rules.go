package memorystoretest

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Read replica and IP range rules the API enforces (cloud_redis.proto
// comments; "About read replicas"; gcp-apis.md §6b rows 7 and 8).
const (
	minReadReplicaGB = 5
	// EffectiveRangePrefix is where the fake places an instance that is
	// given an allocated range's name under private service access: the
	// API reports the effective CIDR, not the name it was given.
	EffectiveRangePrefix = "10.100.0.0"
	// AutoSecondaryRange is what secondary_ip_range "auto" resolves to.
	AutoSecondaryRange = "10.0.1.0/28"
)

var rangeNamePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

func readReplicasOn(inst *redispb.Instance) bool {
	return inst.GetReadReplicasMode() == redispb.Instance_READ_REPLICAS_ENABLED
}

func psa(inst *redispb.Instance) bool {
	return inst.GetConnectMode() == redispb.Instance_PRIVATE_SERVICE_ACCESS
}

// checkRange checks reserved_ip_range as sent: a CIDR of /29 or larger
// (/28 with read replicas) under direct peering, a range name under
// private service access.
func checkRange(inst *redispb.Instance) error {
	v := inst.GetReservedIpRange()
	if v == "" {
		return nil
	}
	if psa(inst) {
		if !rangeNamePattern.MatchString(v) {
			return invalid("reserved_ip_range %q must be the name of an allocated IP address range when connect_mode is PRIVATE_SERVICE_ACCESS", v)
		}
		return nil
	}
	p, err := netip.ParsePrefix(v)
	switch {
	case err != nil || !p.Addr().Is4() || p.Bits() > 29:
		return invalid("reserved_ip_range %q must be an IPv4 CIDR range of size /29 or larger", v)
	case readReplicasOn(inst) && p.Bits() > 28:
		return invalid("reserved_ip_range %q must be of size /28 or larger when read replicas are enabled", v)
	}
	return nil
}

// checkSecondaryRange checks secondary_ip_range: "auto", a /28 CIDR
// (direct peering) or a range name (private service access).
func checkSecondaryRange(inst *redispb.Instance, v string) error {
	if v == "" || v == "auto" {
		return nil
	}
	if psa(inst) {
		if !rangeNamePattern.MatchString(v) {
			return invalid("secondary_ip_range %q must be \"auto\" or the name of an allocated IP address range when connect_mode is PRIVATE_SERVICE_ACCESS", v)
		}
		return nil
	}
	if p, err := netip.ParsePrefix(v); err != nil || !p.Addr().Is4() || p.Bits() != 28 {
		return invalid("secondary_ip_range %q must be \"auto\" or an IPv4 CIDR range of size /28", v)
	}
	return nil
}

// checkReplicas checks the tier, size and replica count of inst as it
// would be.
func checkReplicas(inst *redispb.Instance) error {
	n := inst.GetReplicaCount()
	switch {
	case inst.GetTier() == redispb.Instance_BASIC && n > 0:
		return invalid("replica_count must be 0 for the BASIC tier")
	case readReplicasOn(inst) && inst.GetTier() == redispb.Instance_BASIC:
		return invalid("read replicas are not supported for the BASIC tier")
	case readReplicasOn(inst) && inst.GetMemorySizeGb() < minReadReplicaGB:
		return invalid("read replicas need memory_size_gb of at least %d, not %d", minReadReplicaGB, inst.GetMemorySizeGb())
	case n < 0 || n > 5:
		return invalid("replica_count %d must be between 0 and 5", n)
	case inst.GetTier() == redispb.Instance_STANDARD_HA && !readReplicasOn(inst) && n > 1:
		return invalid("replica_count %d needs read_replicas_mode READ_REPLICAS_ENABLED", n)
	}
	return nil
}

// checkUpdate checks an update mask against inst before and after: read
// replicas cannot be turned off, turning them on needs secondary_ip_range
// in the same update, and without them the replica count is fixed.
func checkUpdate(before, after *redispb.Instance, paths []string, secondary string) error {
	has := func(p string) bool { return slices.Contains(paths, p) }
	switch {
	case readReplicasOn(before) && !readReplicasOn(after):
		return invalid("read replicas cannot be disabled once enabled")
	case !readReplicasOn(before) && readReplicasOn(after) && (!has("secondary_ip_range") || secondary == ""):
		return invalid("secondary_ip_range must be set in the same update that enables read replicas")
	case has("replica_count") && !readReplicasOn(after) && before.GetTier() == redispb.Instance_STANDARD_HA && after.GetReplicaCount() != before.GetReplicaCount():
		return invalid("the replica count cannot change while read replicas are disabled")
	}
	if err := checkSecondaryRange(before, secondary); err != nil {
		return err
	}
	return checkReplicas(after)
}

// effectiveRange is the CIDR the instance occupies: the one sent under
// direct peering (or already resolved), else one the service picks in the
// named allocated range or the network (a /28 with read replicas).
func effectiveRange(inst *redispb.Instance) string {
	v := inst.GetReservedIpRange()
	if _, err := netip.ParsePrefix(v); err == nil {
		return v
	}
	base := "10.0.0.0"
	if psa(inst) {
		base = EffectiveRangePrefix
	}
	if readReplicasOn(inst) {
		return base + "/28"
	}
	return base + "/29"
}

// resolveSecondary is the range read replicas go in.
func resolveSecondary(v string) string {
	if v == "auto" {
		return AutoSecondaryRange
	}
	return v
}

// fillComputed sets what the service computes after a create or an
// update: the effective range, the nodes, and the read endpoint of an
// instance with read replicas.
func fillComputed(inst *redispb.Instance) {
	inst.ReservedIpRange = effectiveRange(inst)
	inst.Nodes = []*redispb.NodeInfo{{Id: "node-0", Zone: inst.GetCurrentLocationId()}}
	for i := range inst.GetReplicaCount() {
		zone := inst.GetAlternativeLocationId()
		if i%2 == 1 {
			zone = inst.GetCurrentLocationId()
		}
		inst.Nodes = append(inst.Nodes, &redispb.NodeInfo{Id: "node-" + strconv.Itoa(int(i)+1), Zone: zone})
	}
	inst.ReadEndpoint, inst.ReadEndpointPort = "", 0
	if readReplicasOn(inst) {
		inst.ReadEndpoint, inst.ReadEndpointPort = inst.GetHost(), inst.GetPort()
	}
}
