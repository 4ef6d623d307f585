package memorystore

import (
	"fmt"
	"net/netip"
	"strings"
)

// Rules of read replicas and IP ranges that Memorystore enforces
// (cloud_redis.proto; "About read replicas"): checked at decode time so
// that a plan never promises what the API refuses.
const (
	// minReadReplicaGB is the smallest instance with read replicas.
	minReadReplicaGB = 5
	// maxRangeBits is the longest prefix Memorystore takes for
	// reserved_ip_range: /29, or /28 with read replicas.
	maxRangeBits            = 29
	maxRangeBitsReadReplica = 28
	// secondaryRangeBits is the size of a secondary_ip_range CIDR.
	secondaryRangeBits = 28
	// defaultReadReplicas is how many read replicas Memorystore makes
	// when replica_count is left out.
	defaultReadReplicas = 2
	// autoRange lets Memorystore choose the secondary range.
	autoRange = "auto"
)

// parseCIDR parses an IPv4 CIDR; ok is false for anything else.
func parseCIDR(v string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(v)
	return p, err == nil && p.Addr().Is4()
}

// looksLikeAddress reports whether v was meant as an address or a CIDR
// rather than a range name.
func looksLikeAddress(v string) bool {
	return strings.ContainsAny(v, "/:") || strings.Count(v, ".") == 3
}

func (d *decoder) checkReservedRange(s *Spec) {
	v := s.ReservedIPRange
	if v == "" || !d.Checkable("reserved_ip_range") {
		return
	}
	if s.ConnectMode == "PRIVATE_SERVICE_ACCESS" {
		d.checkRangeName("reserved_ip_range", v)
		return
	}
	p, ok := parseCIDR(v)
	switch {
	case !ok || p.Bits() > maxRangeBits:
		d.Fail("reserved_ip_range", "Invalid reserved IP range", fmt.Sprintf("With connect_mode DIRECT_PEERING, reserved_ip_range is an unused IPv4 range of at least /29, such as \"10.0.0.0/29\"; %q is not. Remove it to let Memorystore choose.", v))
	case s.ReadReplicas() && p.Bits() > maxRangeBitsReadReplica:
		d.Fail("reserved_ip_range", "Reserved IP range too small for read replicas", fmt.Sprintf("An instance with read replicas needs a range of /28 or larger; %q is a /%d. Use a /28 such as \"10.0.0.0/28\", or remove reserved_ip_range to let Memorystore choose.", v, p.Bits()))
	}
}

// checkRangeName checks an allocated range's name, which private service
// access takes where direct peering takes a CIDR.
func (d *decoder) checkRangeName(attr, v string) {
	switch {
	case looksLikeAddress(v):
		d.Fail(attr, "A range name is needed here, not a CIDR", fmt.Sprintf("With connect_mode PRIVATE_SERVICE_ACCESS, %s is the name of a range allocated for private service access (such as \"google-managed-services-default\"), not %q. List them with `gcloud compute addresses list --global --filter=purpose=VPC_PEERING`.", attr, v))
	case !validNetworkName(v):
		d.Fail(attr, "Invalid IP range name", fmt.Sprintf("%q is not the name of an allocated range: names hold at most 63 lowercase letters, digits and hyphens, starting with a letter. List them with `gcloud compute addresses list --global --filter=purpose=VPC_PEERING`.", v))
	}
}

// checkSecondaryRange checks secondary_ip_range: "auto", a /28 CIDR with
// direct peering, or a range name with private service access.
func (d *decoder) checkSecondaryRange(s *Spec) {
	v := s.SecondaryIPRange
	if v == "" || !d.Checkable("secondary_ip_range") {
		return
	}
	if strings.EqualFold(v, autoRange) {
		s.SecondaryIPRange = autoRange
		return
	}
	if s.ConnectMode == "PRIVATE_SERVICE_ACCESS" {
		d.checkRangeName("secondary_ip_range", v)
		return
	}
	if p, ok := parseCIDR(v); !ok || p.Bits() != secondaryRangeBits {
		d.Fail("secondary_ip_range", "Invalid secondary IP range", fmt.Sprintf("With connect_mode DIRECT_PEERING, secondary_ip_range is an unused IPv4 /28 such as \"10.0.1.0/28\", or \"auto\" to let Memorystore choose; %q is not.", v))
	}
}

// checkReplicas checks the tier, size and replica count that read replicas
// need. Every rule about read replicas points at read_replicas_mode when
// the attribute it concerns is left to its default.
func (d *decoder) checkReplicas(s *Spec) {
	if s.ReadReplicas() && d.Checkable("read_replicas_mode") {
		if s.Tier == "BASIC" {
			d.Fail("read_replicas_mode", "Read replicas need the STANDARD_HA tier", "A BASIC instance has no replicas: set tier = \"STANDARD_HA\" (which cannot be changed later without replacing the instance), or remove read_replicas_mode.")
		}
		if s.MemorySizeGB < minReadReplicaGB {
			attr := "read_replicas_mode"
			if d.Checkable("memory_size_gb") {
				attr = "memory_size_gb"
			}
			d.Fail(attr, "Read replicas need at least 5 GB", fmt.Sprintf("Memorystore offers read replicas on instances of 5 GB or more; this one has %d GB. Set memory_size_gb = 5 or more, or remove read_replicas_mode.", s.MemorySizeGB))
		}
	}
	if s.Tier == "BASIC" && d.Checkable("secondary_ip_range") {
		d.Fail("secondary_ip_range", "Read replicas need the STANDARD_HA tier", "secondary_ip_range is where read replicas go, and a BASIC instance has none: remove it, or set tier = \"STANDARD_HA\".")
	}
	if s.ReplicaCount == nil || !d.Checkable("replica_count") {
		return
	}
	n := *s.ReplicaCount
	switch {
	case s.Tier == "BASIC" && n != 0:
		d.Fail("replica_count", "Replicas need the STANDARD_HA tier", "A BASIC instance has no replicas: remove replica_count, or set tier = \"STANDARD_HA\" (which cannot be changed later without replacing the instance).")
	case s.Tier == "STANDARD_HA" && (n < 1 || n > 5):
		d.Fail("replica_count", "Replica count out of range", "A STANDARD_HA instance has 1 to 5 replicas; set replica_count in that range or remove it.")
	case s.Tier == "STANDARD_HA" && n > 1 && !s.ReadReplicas():
		d.Fail("replica_count", "More than one replica needs read replicas", fmt.Sprintf("Without read replicas a STANDARD_HA instance has exactly 1 replica. For %d, add read_replicas_mode = \"READ_REPLICAS_ENABLED\" (5 GB or more; it cannot be turned off later without replacing the instance), or set replica_count = 1.", n))
	}
}
