package memorystore

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Lengths are checked in code: counted repetitions such as {0,61} compile
// into large programs, which every run would pay for at start-up.
var (
	projectPattern  = regexp.MustCompile(`^([a-z][-a-z0-9.]*:)?([a-z][-a-z0-9]*[a-z0-9])$`)
	regionPattern   = regexp.MustCompile(`^[a-z]+(-[a-z]+)+[0-9]+$`)
	zonePattern     = regexp.MustCompile(`^([a-z]+(-[a-z]+)+[0-9]+)-[a-z]$`)
	versionPattern  = regexp.MustCompile(`^REDIS_([0-9]+)_([0-9X])$`)
	networkName     = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	fullNetwork     = regexp.MustCompile(`^projects/[^/]+/global/networks/([^/]+)$`)
	labelKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	labelValPattern = regexp.MustCompile(`^[a-z0-9_-]*$`)
)

// validProject reports whether p is a project id, optionally domain-scoped
// ("example.com:acme-prod"): 6 to 30 characters after the domain.
func validProject(p string) bool {
	m := projectPattern.FindStringSubmatch(p)
	return m != nil && len(m[2]) >= 6 && len(m[2]) <= 30
}

// validNetworkName reports whether n is a VPC network name.
func validNetworkName(n string) bool { return len(n) <= 63 && networkName.MatchString(n) }

func validLabel(k, v string) bool {
	return len(k) <= 63 && len(v) <= 63 && labelKeyPattern.MatchString(k) && labelValPattern.MatchString(v)
}

// knownVersions are the redis_version values Memorystore offers; newer
// ones of the same shape are accepted too.
var knownVersions = []string{"REDIS_3_2", "REDIS_4_0", "REDIS_5_0", "REDIS_6_X", "REDIS_7_0", "REDIS_7_2"}

var (
	tiers            = []string{"BASIC", "STANDARD_HA"}
	connectModes     = []string{"DIRECT_PEERING", "PRIVATE_SERVICE_ACCESS"}
	readReplicaModes = []string{"READ_REPLICAS_DISABLED", "READ_REPLICAS_ENABLED"}
)

func (d *decoder) check(s *Spec) {
	d.checkProject(s.Project)
	d.checkRegion(s.Region)
	if msg := instanceIDProblem(s.Instance); msg != "" && d.Checkable("instance") {
		d.Fail("instance", "Invalid Memorystore instance id", fmt.Sprintf("%q %s. Use 1 to 40 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, such as \"acme-channels\".", s.Instance, msg))
	}
	d.checkEnum("tier", &s.Tier, tiers, "Unknown Memorystore tier")
	d.checkEnum("connect_mode", &s.ConnectMode, connectModes, "Unknown connect mode")
	d.checkEnum("read_replicas_mode", &s.ReadReplicasMode, readReplicaModes, "Unknown read replicas mode")
	if (s.MemorySizeGB < 1 || s.MemorySizeGB > 300) && d.Checkable("memory_size_gb") {
		d.Fail("memory_size_gb", "Memory size out of range", "Set memory_size_gb to a whole number of GB from 1 to 300.")
	}
	if !versionPattern.MatchString(s.RedisVersion) && d.Checkable("redis_version") {
		d.Fail("redis_version", "Unknown Redis version", fmt.Sprintf("%q is not a Memorystore version. Use one of %s (REDIS_7_2 is the newest).", s.RedisVersion, strings.Join(knownVersions, ", ")))
	}
	s.Network = d.network(s.Network, s.Project)
	d.checkReservedRange(s)
	d.checkSecondaryRange(s)
	d.checkReplicas(s)
	s.Labels = d.labels(s.Labels)
	d.checkConfigs(s.RedisConfigs)
}

func (d *decoder) checkProject(p string) {
	if !validProject(p) && d.Checkable("project") {
		d.Fail("project", "Invalid Google Cloud project id", fmt.Sprintf("%q is not a project id. Use the id (6 to 30 lowercase letters, digits and hyphens, such as \"acme-prod\"), not the project's display name or number.", p))
	}
}

func (d *decoder) checkRegion(r string) {
	if regionPattern.MatchString(r) || !d.Checkable("region") {
		return
	}
	detail := fmt.Sprintf("%q is not a Google Cloud region. Use a region such as \"us-central1\" or \"europe-west1\".", r)
	if m := zonePattern.FindStringSubmatch(r); m != nil {
		detail = fmt.Sprintf("%q is a zone; Memorystore instances live in a region: use %q.", r, m[1])
	}
	d.Fail("region", "Invalid region", detail)
}

// instanceIDProblem says which instance id rule id breaks, or "".
func instanceIDProblem(id string) string {
	switch {
	case id == "":
		return "is empty"
	case len(id) > 40:
		return fmt.Sprintf("is %d characters long, more than 40", len(id))
	case id[0] < 'a' || id[0] > 'z':
		return "does not start with a lowercase letter"
	case strings.IndexFunc(id, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) >= 0:
		return "holds characters other than lowercase letters, digits and hyphens"
	case strings.HasSuffix(id, "-"):
		return "ends with a hyphen"
	}
	return ""
}

// checkEnum accepts a value in any case and stores it in upper case.
func (d *decoder) checkEnum(name string, v *string, allowed []string, summary string) {
	if !d.Checkable(name) {
		return
	}
	up := strings.ToUpper(strings.TrimSpace(*v))
	if slices.Contains(allowed, up) {
		*v = up
		return
	}
	hint := ""
	if name == "tier" && up == "STANDARD" {
		hint = " The highly available tier is called STANDARD_HA."
	}
	d.Fail(name, summary, fmt.Sprintf("%q is not one of %s.%s", *v, strings.Join(allowed, ", "), hint))
}

// network expands a short network name to its full name.
func (d *decoder) network(n, project string) string {
	if m := fullNetwork.FindStringSubmatch(n); m != nil && validNetworkName(m[1]) {
		return n
	}
	if validNetworkName(n) {
		return "projects/" + project + "/global/networks/" + n
	}
	if d.Checkable("network") {
		d.Fail("network", "Invalid network", fmt.Sprintf("%q is neither a VPC network name (such as \"default\") nor a full name (projects/PROJECT/global/networks/NAME).", n))
	}
	return n
}

// labels checks the stack's labels and adds ManagedByLabel.
func (d *decoder) labels(in map[string]string) map[string]string {
	out := map[string]string{ManagedByLabel: ManagedByValue}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v := in[k]
		if !validLabel(k, v) && d.Checkable("labels") {
			d.Fail("labels", "Invalid label", fmt.Sprintf("Label %q = %q: keys start with a lowercase letter, and keys and values hold at most 63 lowercase letters, digits, '_' and '-'.", k, v))
		}
		out[k] = v
	}
	if len(out) > 64 && d.Checkable("labels") {
		d.Fail("labels", "Too many labels", "An instance takes at most 64 labels, managed-by included.")
	}
	return out
}

func (d *decoder) checkConfigs(cfg map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
			d.Fail("redis_configs", "Invalid Redis configuration name", fmt.Sprintf("%q is not a Redis configuration parameter; use names such as \"maxmemory-policy\".", k))
		}
		if k == "requirepass" {
			d.Fail("redis_configs", "Credentials do not belong in the stack file", "Remove requirepass: set auth = true and Memorystore generates the AUTH string, which rediskit reads with the API.")
		}
	}
}
