package memorystore

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/rediskit/rediskit/provision"
)

// Defaults of a memorystore block.
const (
	DefaultTier         = "BASIC"
	DefaultMemorySizeGB = 1
	DefaultRedisVersion = "REDIS_7_2"
	DefaultNetwork      = "default"
	DefaultConnectMode  = "DIRECT_PEERING"
	// DefaultReadReplicasMode is Memorystore's own default.
	DefaultReadReplicasMode = "READ_REPLICAS_DISABLED"
	// ManagedByLabel marks instances rediskit created; its value is
	// ManagedByValue unless the stack sets the label itself.
	ManagedByLabel = "managed-by"
	ManagedByValue = "rediskit"
)

// Spec is a decoded `memorystore { }` block, defaults applied.
type Spec struct {
	Project  string
	Region   string
	Instance string // the instance id
	// Tier is "BASIC" or "STANDARD_HA".
	Tier         string
	MemorySizeGB int
	// RedisVersion is always sent: Google's default has changed over time.
	RedisVersion string
	// Network is the full name, projects/P/global/networks/N.
	Network string
	// ConnectMode is "DIRECT_PEERING" or "PRIVATE_SERVICE_ACCESS".
	ConnectMode string
	// ReservedIPRange is a CIDR (direct peering) or an allocated range's
	// name (private service access); "" lets Memorystore choose.
	ReservedIPRange   string
	Auth              bool
	TransitEncryption bool
	// Labels include ManagedByLabel.
	Labels       map[string]string
	RedisConfigs map[string]string
	// ReplicaCount is nil to leave Memorystore's default.
	ReplicaCount *int
	// ReadReplicasMode is "READ_REPLICAS_DISABLED" or
	// "READ_REPLICAS_ENABLED"; once enabled, Memorystore cannot disable it.
	ReadReplicasMode string
	// SecondaryIPRange is where read replicas go when they are turned on
	// for an existing instance: a /28 CIDR (direct peering), an allocated
	// range's name (private service access) or "auto"; "" sends "auto".
	SecondaryIPRange string
}

// ReadReplicas reports whether the spec asks for read replicas.
func (s *Spec) ReadReplicas() bool { return s.ReadReplicasMode == "READ_REPLICAS_ENABLED" }

// Name is the instance's resource name, projects/P/locations/R/instances/I.
func (s *Spec) Name() string { return s.Parent() + "/instances/" + s.Instance }

// Parent is projects/P/locations/R.
func (s *Spec) Parent() string { return "projects/" + s.Project + "/locations/" + s.Region }

// credentialAttrs are attributes people reach for when they should be using
// the environment or Memorystore's own AUTH string.
var credentialAttrs = map[string]string{
	"password":         "Memorystore generates the AUTH string and rediskit reads it with the API: set auth = true instead.",
	"auth_string":      "Memorystore generates the AUTH string and rediskit reads it with the API: set auth = true instead.",
	"api_key":          "Google APIs use Application Default Credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS.",
	"token":            "Google APIs use Application Default Credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS.",
	"credentials":      "Set GOOGLE_APPLICATION_CREDENTIALS to the credentials file instead.",
	"credentials_file": "Set GOOGLE_APPLICATION_CREDENTIALS to the credentials file instead.",
}

func specSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "project", Required: true},
		{Name: "region", Required: true},
		{Name: "instance", Required: true},
		{Name: "tier"},
		{Name: "memory_size_gb"},
		{Name: "redis_version"},
		{Name: "network"},
		{Name: "connect_mode"},
		{Name: "reserved_ip_range"},
		{Name: "auth"},
		{Name: "transit_encryption"},
		{Name: "labels"},
		{Name: "redis_configs"},
		{Name: "replica_count"},
		{Name: "read_replicas_mode"},
		{Name: "secondary_ip_range"},
	}}
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}

// Decode decodes a `memorystore { }` block without any network call. Every
// value that Memorystore would refuse is a diagnostic pointing at it.
func (b *Backend) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.Spec, hcl.Diagnostics) {
	// Content's own diagnostics do not stop the checks below, so that one
	// run reports every problem.
	content, diags := body.Content(specSchema())
	d := &decoder{provision.NewBlockDecoder(content.Attributes, dc)}
	spec := d.spec()
	diags = append(diags, d.Diags...)
	if diags.HasErrors() {
		return nil, diags
	}
	return spec, diags
}

// decoder collects diagnostics while decoding one block.
type decoder struct {
	*provision.BlockDecoder
}

func (d *decoder) spec() *Spec {
	d.refuseCredentials()
	s := &Spec{Tier: DefaultTier, MemorySizeGB: DefaultMemorySizeGB, RedisVersion: DefaultRedisVersion,
		Network: DefaultNetwork, ConnectMode: DefaultConnectMode, ReadReplicasMode: DefaultReadReplicasMode,
		Auth: true, TransitEncryption: true}
	d.Decode("project", &s.Project)
	d.Decode("region", &s.Region)
	d.Decode("instance", &s.Instance)
	d.Decode("tier", &s.Tier)
	d.Decode("memory_size_gb", &s.MemorySizeGB)
	d.Decode("redis_version", &s.RedisVersion)
	d.Decode("network", &s.Network)
	d.Decode("connect_mode", &s.ConnectMode)
	d.Decode("reserved_ip_range", &s.ReservedIPRange)
	d.Decode("auth", &s.Auth)
	d.Decode("transit_encryption", &s.TransitEncryption)
	d.Decode("labels", &s.Labels)
	d.Decode("redis_configs", &s.RedisConfigs)
	d.Decode("replica_count", &s.ReplicaCount)
	d.Decode("read_replicas_mode", &s.ReadReplicasMode)
	d.Decode("secondary_ip_range", &s.SecondaryIPRange)
	d.check(s)
	return s
}

func (d *decoder) refuseCredentials() {
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		if _, ok := d.Attrs[name]; ok {
			d.Fail(name, "Credentials do not belong in the stack file",
				fmt.Sprintf("Remove %q. %s Stack files are committed and must hold no secrets.", name, credentialAttrs[name]))
		}
	}
}

// Describe names a spec for plans: "memorystore acme-channels in
// us-central1 (BASIC, 1 GB, REDIS_7_2)".
func (b *Backend) Describe(spec provision.Spec) string {
	s, ok := spec.(*Spec)
	if !ok || s == nil {
		return "memorystore"
	}
	return fmt.Sprintf("memorystore %s in %s (%s, %d GB, %s)", s.Instance, s.Region, s.Tier, s.MemorySizeGB, s.RedisVersion)
}

// joinMap renders a map in a stable form for Attrs and plans: "a=1, b=2".
func joinMap(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}
