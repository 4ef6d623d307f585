package memorystore

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/rediskit/rediskit/provision"
)

// Defaults of a memorystore block.
const (
	DefaultTier         = "BASIC"
	DefaultMemorySizeGB = 1
	DefaultRedisVersion = "REDIS_7_2"
	DefaultNetwork      = "default"
	DefaultConnectMode  = "DIRECT_PEERING"
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
}

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
	d := &decoder{eval: evalOf(dc), attrs: content.Attributes}
	spec := d.spec()
	diags = append(diags, d.diags...)
	if diags.HasErrors() {
		return nil, diags
	}
	return spec, diags
}

func evalOf(dc *provision.DecodeContext) *hcl.EvalContext {
	if dc == nil {
		return nil
	}
	return dc.Eval
}

// decoder collects diagnostics while decoding one block.
type decoder struct {
	eval  *hcl.EvalContext
	attrs hcl.Attributes
	diags hcl.Diagnostics
}

func (d *decoder) spec() *Spec {
	d.refuseCredentials()
	s := &Spec{Tier: DefaultTier, MemorySizeGB: DefaultMemorySizeGB, RedisVersion: DefaultRedisVersion,
		Network: DefaultNetwork, ConnectMode: DefaultConnectMode, Auth: true, TransitEncryption: true}
	d.decode("project", &s.Project)
	d.decode("region", &s.Region)
	d.decode("instance", &s.Instance)
	d.decode("tier", &s.Tier)
	d.decode("memory_size_gb", &s.MemorySizeGB)
	d.decode("redis_version", &s.RedisVersion)
	d.decode("network", &s.Network)
	d.decode("connect_mode", &s.ConnectMode)
	d.decode("reserved_ip_range", &s.ReservedIPRange)
	d.decode("auth", &s.Auth)
	d.decode("transit_encryption", &s.TransitEncryption)
	d.decode("labels", &s.Labels)
	d.decode("redis_configs", &s.RedisConfigs)
	d.decode("replica_count", &s.ReplicaCount)
	d.check(s)
	return s
}

// decode decodes an attribute, if present, into target.
func (d *decoder) decode(name string, target any) {
	if attr, ok := d.attrs[name]; ok {
		d.diags = append(d.diags, gohcl.DecodeExpression(attr.Expr, d.eval, target)...)
	}
}

// fail adds an error diagnostic pointing at an attribute's value.
func (d *decoder) fail(name, summary, detail string) {
	attr := d.attrs[name]
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: attr.Expr.Range().Ptr(), Context: attr.Range.Ptr(),
	})
}

// checkable reports whether an attribute is set and decoded without error,
// so that a value that failed to decode is not reported twice.
func (d *decoder) checkable(name string) bool {
	attr, ok := d.attrs[name]
	if !ok {
		return false
	}
	for _, diag := range d.diags {
		if diag.Severity == hcl.DiagError && diag.Subject != nil && within(*diag.Subject, attr.Range) {
			return false
		}
	}
	return true
}

func within(inner, outer hcl.Range) bool {
	return inner.Filename == outer.Filename && inner.Start.Byte >= outer.Start.Byte && inner.End.Byte <= outer.End.Byte
}

func (d *decoder) refuseCredentials() {
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		if _, ok := d.attrs[name]; ok {
			d.fail(name, "Credentials do not belong in the stack file",
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
