package memorystore

import (
	"strconv"

	"github.com/rediskit/rediskit/provision"
)

// replaceNote explains a change Memorystore cannot make in place.
const replaceNote = "Memorystore cannot change this in place: replacing deletes the instance and all its data; to keep the data, use `rediskit migrate` with --copy-data"

// Diff compares the stack's block with the instance as last read, in the
// stack's form (normalize.go), and only what the stack sets. Memory
// size, labels, Redis configuration, replica count, AUTH and turning read
// replicas on change in place, the Redis version by an upgrade; turning
// read replicas off, and anything that names another
// instance or that Memorystore fixes at creation (tier, network, connect
// mode, reserved range, transit encryption, region) forces a replace. An
// instance that is not READY is shown with its state.
func (b *Backend) Diff(want provision.Spec, have *provision.Instance) []provision.AttrChange {
	s, ok := want.(*Spec)
	if !ok || s == nil || have == nil {
		return nil
	}
	a := have.Attrs
	var out []provision.AttrChange
	change := func(name, old, new string, replace bool, note string) {
		if old != new {
			out = append(out, provision.AttrChange{Name: name, Old: old, New: new, ForcesReplace: replace, Note: note})
		}
	}
	if st := a["state"]; st != "" && st != "READY" {
		out = append(out, provision.AttrChange{Name: "state", Old: st, New: "READY", Note: stateNote(st)})
	}
	change("project", a["project"], s.Project, true, replaceNote)
	change("region", a["region"], s.Region, true, replaceNote)
	change("instance", a["instance"], s.Instance, true, replaceNote)
	change("tier", a["tier"], s.Tier, true, replaceNote)
	change("network", a["network"], s.Network, true, replaceNote)
	change("connect_mode", a["connect_mode"], s.ConnectMode, true, replaceNote)
	change("transit_encryption", a["transit_encryption"], strconv.FormatBool(s.TransitEncryption), true, replaceNote)
	// Compared only in the form the stack uses: never from an echo the
	// API computed (the CIDR a private service access range resolved to).
	if have := a["reserved_ip_range"]; s.ReservedIPRange != "" && have != "" && !sameRange(have, s.ReservedIPRange) {
		change("reserved_ip_range", have, s.ReservedIPRange, true, replaceNote)
	}
	diffReadReplicas(&out, a["read_replicas_mode"], s)
	b.diffVersion(&out, a["redis_version"], s.RedisVersion)
	change("memory_size_gb", a["memory_size_gb"], strconv.Itoa(s.MemorySizeGB), false, "")
	change("auth", a["auth"], strconv.FormatBool(s.Auth), false, "")
	change("labels", a["labels"], joinMap(s.Labels), false, "")
	change("redis_configs", a["redis_configs"], joinMap(s.RedisConfigs), false, "")
	if s.ReplicaCount != nil {
		change("replica_count", a["replica_count"], strconv.Itoa(*s.ReplicaCount), false, "")
	}
	return out
}

// diffReadReplicas plans turning read replicas on in place (with
// secondary_ip_range in the same update) and off as a replace, since
// Memorystore cannot turn them off.
func diffReadReplicas(out *[]provision.AttrChange, have string, s *Spec) {
	if have == "" || have == s.ReadReplicasMode {
		return
	}
	c := provision.AttrChange{Name: "read_replicas_mode", Old: have, New: s.ReadReplicasMode}
	if s.ReadReplicas() {
		c.Note = "turned on in place, with secondary_ip_range " + secondaryRange(s) + " in the same update"
	} else {
		c.ForcesReplace, c.Note = true, "Memorystore cannot turn read replicas off; "+replaceNote
	}
	*out = append(*out, c)
}

// secondaryRange is the secondary_ip_range sent when read replicas are
// turned on: the stack's, else "auto".
func secondaryRange(s *Spec) string {
	if s.SecondaryIPRange == "" {
		return autoRange
	}
	return s.SecondaryIPRange
}

// diffVersion plans an upgrade in place; Memorystore cannot downgrade.
func (b *Backend) diffVersion(out *[]provision.AttrChange, have, want string) {
	if have == want {
		return
	}
	c := provision.AttrChange{Name: "redis_version", Old: have, New: want, Note: "upgraded in place; clients may be disconnected briefly"}
	if versionRank(want) < versionRank(have) {
		c.ForcesReplace, c.Note = true, "Memorystore cannot downgrade Redis; "+replaceNote
	}
	*out = append(*out, c)
}

func stateNote(state string) string {
	switch state {
	case "CREATING":
		return "Memorystore is still creating the instance; apply waits until it is READY"
	case "UPDATING":
		return "Memorystore is changing the instance; apply waits until it is READY"
	case "MAINTENANCE":
		return "Memorystore is maintaining the instance (a BASIC instance is flushed by maintenance); apply waits until it is READY"
	case "REPAIRING":
		return "Memorystore is repairing the instance; apply waits until it is READY"
	}
	return "Memorystore reports the instance " + state + "; apply waits until it is READY"
}

// versionRank orders REDIS_M_N versions; "X" is the newest of its major.
func versionRank(v string) int {
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	minor := 9
	if m[2] != "X" {
		minor, _ = strconv.Atoi(m[2])
	}
	return major*10 + minor
}
