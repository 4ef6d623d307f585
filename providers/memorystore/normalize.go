package memorystore

import (
	"strconv"
	"strings"

	"cloud.google.com/go/redis/apiv1/redispb"
)

// The API fills in and rewrites fields (gcp-apis.md §6b rows 5 and 8).
// These helpers put what it reports into the form the stack uses, so that
// Diff compares like with like and an apply right after an apply plans
// nothing.

// fullNetworkName expands a short network name ("default") to
// projects/P/global/networks/default, the form Decode produces.
func fullNetworkName(n, project string) string {
	if n == "" || strings.HasPrefix(n, "projects/") || project == "" {
		return n
	}
	return "projects/" + project + "/global/networks/" + n
}

// reservedRange is the reserved_ip_range in the stack's form. With direct
// peering the API echoes the CIDR it was given (or the one it chose). With
// private service access it is given an allocated range's name and reports
// the effective CIDR, or nothing; sent is then the name rediskit sent (or
// recorded), and "" means unknown, which Diff never compares.
func reservedRange(inst *redispb.Instance, sent string) string {
	echo := inst.GetReservedIpRange()
	if inst.GetConnectMode() != redispb.Instance_PRIVATE_SERVICE_ACCESS {
		return echo
	}
	if echo != "" && !looksLikeAddress(echo) {
		return echo
	}
	if looksLikeAddress(sent) {
		return ""
	}
	return sent
}

// sameRange reports whether two ranges of the same form are equal: CIDRs
// by their network, names by name. Ranges of different forms (a name and
// the CIDR it resolved to) are not comparable and count as equal.
func sameRange(a, b string) bool {
	pa, okA := parseCIDR(a)
	pb, okB := parseCIDR(b)
	switch {
	case okA && okB:
		return pa.Masked() == pb.Masked()
	case okA != okB:
		return true
	}
	return a == b
}

// connectMode reports the mode, UNSPECIFIED read as the API's default,
// DIRECT_PEERING.
func connectMode(inst *redispb.Instance) string {
	if inst.GetConnectMode() == redispb.Instance_CONNECT_MODE_UNSPECIFIED {
		return DefaultConnectMode
	}
	return inst.GetConnectMode().String()
}

// readReplicasMode reports the mode, UNSPECIFIED read as Memorystore's
// default, DISABLED.
func readReplicasMode(inst *redispb.Instance) string {
	if inst.GetReadReplicasMode() == redispb.Instance_READ_REPLICAS_MODE_UNSPECIFIED {
		return DefaultReadReplicasMode
	}
	return inst.GetReadReplicasMode().String()
}

// addComputed records fields only the API sets, for plans and `rediskit
// show`; Diff never compares them.
func addComputed(a map[string]string, inst *redispb.Instance) {
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	if inst.GetConnectMode() == redispb.Instance_PRIVATE_SERVICE_ACCESS {
		set("effective_reserved_ip_range", inst.GetReservedIpRange())
	}
	set("secondary_ip_range", inst.GetSecondaryIpRange())
	set("read_endpoint", inst.GetReadEndpoint())
	if p := inst.GetReadEndpointPort(); p != 0 {
		a["read_endpoint_port"] = strconv.Itoa(int(p))
	}
}
