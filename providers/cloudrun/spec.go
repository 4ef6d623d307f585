package cloudrun

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/rediskit/rediskit/provision"
)

// DefaultEnv is the variable the target sets unless env says otherwise.
const DefaultEnv = "REDIS_URL"

// Keys of the TargetAttrs that Decode returns. They are recorded in state,
// so a target removed from the stack can still be unbound.
const (
	AttrProject   = "project"
	AttrRegion    = "region"
	AttrService   = "service"
	AttrContainer = "container" // "" for the only or the serving container
	AttrEnv       = "env"
	AttrSecret    = "secret"    // "" for a plain variable
	AttrCASecret  = "ca_secret" // the secret that holds a backend's CA bundle
	AttrVPC       = "vpc"       // "true" when the stack has a vpc block
	AttrNetwork   = "vpc_network"
	AttrSubnet    = "vpc_subnetwork"
	AttrEgress    = "vpc_egress" // "private-ranges-only" or "all-traffic"
	AttrWait      = "wait"       // "true" or "false"
)

// Egress settings of a vpc block.
const (
	EgressPrivate = "private-ranges-only"
	EgressAll     = "all-traffic"
)

var (
	projectPattern = regexp.MustCompile(`^([a-z][-a-z0-9.]*:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	regionPattern  = regexp.MustCompile(`^[a-z]+(-[a-z]+)+[0-9]+$`)
	servicePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$`)
	envPattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	secretPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
)

// credentialAttrs are attributes people reach for when a secret belongs
// in the environment or in Secret Manager.
var credentialAttrs = map[string]string{
	"password": "The URL and its password come from the redis block's backend; rediskit writes them itself.",
	"url":      "The URL comes from the redis block's backend; to keep it in Secret Manager, set secret = \"NAME\".",
	"api_key":  "Google APIs use Application Default Credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS.",
	"token":    "Google APIs use Application Default Credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS.",
}

func bodySchema() *hcl.BodySchema {
	s := &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "redis"}, // the engine's
			{Name: AttrProject, Required: true},
			{Name: AttrRegion, Required: true},
			{Name: AttrService, Required: true},
			{Name: AttrContainer}, {Name: AttrEnv}, {Name: AttrSecret}, {Name: AttrWait},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "vpc"}},
	}
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}

var vpcSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "network"}, {Name: "subnetwork"}, {Name: "egress"}}}

// Decode decodes a cloud_run target block without any network call.
func (t *Target) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.TargetAttrs, hcl.Diagnostics) {
	content, diags := body.Content(bodySchema())
	for _, d := range diags {
		if d.Summary == "Unsupported argument" {
			d.Detail += " A cloud_run target takes project, region, service, container, env, secret, wait and a vpc block."
		}
	}
	var eval *hcl.EvalContext
	if dc != nil {
		eval = dc.Eval
	}
	d := &decoder{eval: eval, attrs: content.Attributes, diags: diags}
	attrs := d.target()
	d.vpc(attrs, content.Blocks)
	if d.diags.HasErrors() {
		return nil, d.diags
	}
	return attrs, d.diags
}

// decoder collects diagnostics while decoding one block.
type decoder struct {
	eval  *hcl.EvalContext
	attrs hcl.Attributes
	diags hcl.Diagnostics
}

func (d *decoder) target() provision.TargetAttrs {
	d.refuseCredentials()
	a := provision.TargetAttrs{AttrEnv: DefaultEnv, AttrWait: "true"}
	d.text(a, AttrProject, projectPattern.MatchString, "Invalid Google Cloud project id",
		"Use the project id (6 to 30 lowercase letters, digits and hyphens, such as \"acme-prod\"), not its display name or number.")
	d.text(a, AttrRegion, regionPattern.MatchString, "Invalid Cloud Run region", "Use the service's region, such as \"us-central1\".")
	d.text(a, AttrService, servicePattern.MatchString, "Invalid Cloud Run service name",
		"Use the service's name as `gcloud run services list` shows it: lowercase letters, digits and hyphens, such as \"acme-web\".")
	d.text(a, AttrContainer, func(string) bool { return true }, "", "")
	d.text(a, AttrEnv, envPattern.MatchString, "Invalid variable name",
		"Use a letter or underscore followed by letters, digits and underscores, such as \"REDIS_URL\".")
	d.text(a, AttrSecret, secretPattern.MatchString, "Invalid Secret Manager secret id",
		"Use 1 to 255 letters, digits, hyphens and underscores, such as \"acme-redis-url\"; the secret lives in the service's project.")
	if attr, ok := d.attrs[AttrWait]; ok {
		var wait bool
		if more := gohcl.DecodeExpression(attr.Expr, d.eval, &wait); more.HasErrors() {
			d.diags = append(d.diags, more...)
		} else {
			a[AttrWait] = strconv.FormatBool(wait)
		}
	}
	a[AttrCASecret] = caSecretID(a)
	return a
}

// caSecretID names the secret holding a backend's CA bundle: beside the
// URL's secret, or after the service and variable.
func caSecretID(a provision.TargetAttrs) string {
	if a[AttrSecret] != "" {
		return a[AttrSecret] + "-ca"
	}
	return a[AttrService] + "-" + strings.ToLower(strings.ReplaceAll(a[AttrEnv], "_", "-")) + "-ca"
}

// text decodes a string attribute, if present, into a[name] and checks it.
func (d *decoder) text(a provision.TargetAttrs, name string, valid func(string) bool, summary, detail string) {
	attr, ok := d.attrs[name]
	if !ok {
		return
	}
	var v string
	if more := gohcl.DecodeExpression(attr.Expr, d.eval, &v); more.HasErrors() {
		d.diags = append(d.diags, more...)
		return
	}
	if !valid(v) {
		d.fail(attr, summary, fmt.Sprintf("%q is not valid here. %s", v, detail))
		return
	}
	a[name] = v
}

func (d *decoder) fail(attr *hcl.Attribute, summary, detail string) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: attr.Expr.Range().Ptr(), Context: attr.Range.Ptr()})
}

func (d *decoder) refuseCredentials() {
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		if attr, ok := d.attrs[name]; ok {
			d.fail(attr, "Credentials do not belong in the stack file",
				fmt.Sprintf("Remove %q. %s Stack files are committed and must hold no secrets.", name, credentialAttrs[name]))
		}
	}
}

// vpc decodes the optional vpc block.
func (d *decoder) vpc(a provision.TargetAttrs, blocks hcl.Blocks) {
	if len(blocks) == 0 {
		return
	}
	if len(blocks) > 1 {
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate vpc block",
			Detail: "A cloud_run target takes one vpc block.", Subject: blocks[1].DefRange.Ptr()})
		return
	}
	content, more := blocks[0].Body.Content(vpcSchema)
	d.diags = append(d.diags, more...)
	sub := &decoder{eval: d.eval, attrs: content.Attributes}
	v := provision.TargetAttrs{}
	sub.text(v, "network", func(string) bool { return true }, "", "")
	sub.text(v, "subnetwork", func(string) bool { return true }, "", "")
	v["egress"] = EgressPrivate
	sub.text(v, "egress", func(e string) bool { return e == EgressPrivate || e == EgressAll }, "Unknown egress setting",
		fmt.Sprintf("Use %q (only private addresses go through the VPC, the usual choice) or %q (everything does; public addresses then need Cloud NAT).", EgressPrivate, EgressAll))
	d.diags = append(d.diags, sub.diags...)
	a[AttrVPC], a[AttrNetwork], a[AttrSubnet], a[AttrEgress] = "true", v["network"], v["subnetwork"], v["egress"]
}
