package upstash

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/rediskit/rediskit/provision"
)

// Spec is a decoded `upstash { }` block.
type Spec struct {
	// Name is the Upstash database name.
	Name string
	// PrimaryRegion is where writes go; Platform ("aws" or "gcp") follows
	// from it.
	PrimaryRegion string
	Platform      string
	// ReadRegions are extra AWS regions, sorted and without duplicates.
	ReadRegions []string
	// Eviction lets Upstash evict keys when the database is full.
	Eviction bool
	// Budget is the monthly budget in USD; nil leaves Upstash's default.
	Budget *int
	// Plan is the plan code ("free", "payg", "fixed_1gb", …); "" leaves the
	// account's default.
	Plan string
}

// credentialAttrs are attributes people reach for when they should be using
// the environment; each names the variable to use instead.
var credentialAttrs = map[string]string{
	"api_key":    "UPSTASH_API_KEY",
	"email":      "UPSTASH_EMAIL",
	"password":   "UPSTASH_API_KEY",
	"token":      "UPSTASH_API_KEY",
	"rest_token": "UPSTASH_API_KEY",
}

func specSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "name", Required: true},
		{Name: "primary_region", Required: true},
		{Name: "read_regions"},
		{Name: "eviction"},
		{Name: "budget"},
		{Name: "plan"},
		{Name: "tls"},
	}}
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}

// Decode decodes an `upstash { }` block without any network call; an unknown
// region or plan is a diagnostic pointing at the value.
func (b *Backend) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.Spec, hcl.Diagnostics) {
	// Content's own diagnostics (a missing or unknown attribute) do not stop
	// the checks below, so that one run reports every problem.
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
	s := &Spec{}
	d.Decode("name", &s.Name)
	d.Decode("primary_region", &s.PrimaryRegion)
	d.Decode("eviction", &s.Eviction)
	d.Decode("budget", &s.Budget)
	d.Decode("plan", &s.Plan)
	d.checkName(s.Name)
	s.Platform = d.checkPrimaryRegion(s.PrimaryRegion)
	s.ReadRegions = d.readRegions(s.PrimaryRegion)
	d.checkPlan(s.Plan, len(s.ReadRegions))
	d.checkBudget(s.Budget)
	d.checkTLS()
	return s
}

func (d *decoder) refuseCredentials() {
	for _, name := range slices.Sorted(maps.Keys(credentialAttrs)) {
		if attr, ok := d.Attrs[name]; ok {
			// The name's range, as the stack loader's own secret check uses,
			// so that the loader keeps one diagnostic when both fire.
			d.FailAt(attr.NameRange, attr.Range, "Credentials do not belong in the stack file",
				fmt.Sprintf("Remove %q and set %s in the environment instead (with UPSTASH_EMAIL and UPSTASH_API_KEY for the Upstash Developer API); stack files are committed and must hold no secrets.", name, credentialAttrs[name]))
		}
	}
}

func (d *decoder) checkName(name string) {
	if _, ok := d.Attrs["name"]; ok && strings.TrimSpace(name) == "" && d.Checkable("name") {
		d.Fail("name", "Empty Upstash database name", "Set name to the database name to use in Upstash, e.g. \"acme-channels\".")
	}
}

func (d *decoder) checkPrimaryRegion(region string) string {
	platform := platformOf(region)
	if _, ok := d.Attrs["primary_region"]; ok && platform == "" && d.Checkable("primary_region") {
		d.Fail("primary_region", "Unknown Upstash region",
			fmt.Sprintf("%q is not an Upstash primary region. Use one of these (%s).", region, regionList()))
	}
	return platform
}

func (d *decoder) checkPlan(plan string, readRegions int) {
	if _, ok := d.Attrs["plan"]; !ok || !d.Checkable("plan") {
		return
	}
	if !slices.Contains(plans, plan) {
		d.Fail("plan", "Unknown Upstash plan",
			fmt.Sprintf("%q is not an Upstash plan. Use one of: %s; or remove plan to use the account's default.", plan, strings.Join(plans, ", ")))
	}
	if plan == "free" && readRegions > 1 {
		d.Fail("read_regions", "Too many read regions for the free plan",
			"The Upstash free plan allows at most one read region. Keep one, or choose plan = \"payg\".")
	}
}

func (d *decoder) checkBudget(budget *int) {
	if budget != nil && *budget < 0 {
		d.Fail("budget", "Negative budget", "Set budget to the monthly limit in USD, a whole number of 0 or more.")
	}
}

func (d *decoder) checkTLS() {
	var tls *bool
	d.Decode("tls", &tls)
	if tls != nil && !*tls {
		d.Fail("tls", "Upstash always uses TLS",
			"TLS cannot be turned off for Upstash databases; remove tls or set it to true.")
	}
}
