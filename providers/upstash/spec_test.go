package upstash

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rediskit/rediskit/provision"
)

func TestDecodeFullBlock(t *testing.T) {
	b := New(provision.Env{}) // no credentials: decoding needs none
	s := mustSpec(t, b, `
upstash {
  name           = "acme-channels"
  primary_region = "us-east-1"
  read_regions   = ["eu-west-1", "ap-south-1", "eu-west-1"]
  eviction       = true
  budget         = 20
  plan           = "payg"
  tls            = true
}
`)
	want := Spec{Name: "acme-channels", PrimaryRegion: "us-east-1", Platform: "aws",
		ReadRegions: []string{"ap-south-1", "eu-west-1"}, Eviction: true, Plan: "payg"}
	if s.Name != want.Name || s.PrimaryRegion != want.PrimaryRegion || s.Platform != want.Platform ||
		strings.Join(s.ReadRegions, ",") != "ap-south-1,eu-west-1" || !s.Eviction || s.Plan != "payg" ||
		s.Budget == nil || *s.Budget != 20 {
		t.Errorf("got %+v (budget %v), want %+v with budget 20", *s, s.Budget, want)
	}
}

func TestDecodeMinimalBlockDerivesPlatform(t *testing.T) {
	s := mustSpec(t, New(provision.Env{}), `
upstash {
  name           = "acme-channels"
  primary_region = "us-central1"
}
`)
	if s.Platform != "gcp" || s.Budget != nil || s.Plan != "" || s.Eviction || s.ReadRegions != nil {
		t.Errorf("got %+v", *s)
	}
	if got := New(provision.Env{}).Describe(s); got != "upstash acme-channels in us-central1 (gcp)" {
		t.Errorf("Describe = %q", got)
	}
}

func TestDecodeVariables(t *testing.T) {
	eval := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{
		"region": cty.StringVal("eu-central-1"), "regions": cty.ListVal([]cty.Value{cty.StringVal("eu-west-2")}),
	})}}
	s, diags := decodeBlock(t, New(provision.Env{}), `
upstash {
  name           = "x"
  primary_region = var.region
  read_regions   = var.regions
}
`, eval)
	if diags.HasErrors() || s.PrimaryRegion != "eu-central-1" || strings.Join(s.ReadRegions, ",") != "eu-west-2" {
		t.Fatalf("got %+v, %v", s, diags)
	}
}

func TestDecodeDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		summary    string
		subject    string // "line:col-col" of the offending expression
		detail     string // a fragment of the detail
	}{
		{"unknown region", `
  name           = "x"
  primary_region = "us-central-1"`, "Unknown Upstash region", "3:20-34", "us-central1"},
		{"unknown read region", `
  name           = "x"
  primary_region = "us-east-1"
  read_regions   = ["eu-west-1", "us-central1"]`, "Unknown Upstash read region", "4:34-47", "Read regions are AWS regions"},
		{"primary as read region", `
  name           = "x"
  primary_region = "us-east-1"
  read_regions   = ["us-east-1"]`, "Primary region listed as a read region", "4:21-32", "remove it from read_regions"},
		{"tls off", `
  name           = "x"
  primary_region = "us-east-1"
  tls            = false`, "Upstash always uses TLS", "4:20-25", "remove tls"},
		{"unknown plan", `
  name           = "x"
  primary_region = "us-east-1"
  plan           = "gold"`, "Unknown Upstash plan", "4:20-26", "fixed_1gb"},
		{"free plan read regions", `
  name           = "x"
  primary_region = "us-east-1"
  plan           = "free"
  read_regions   = ["eu-west-1", "eu-west-2"]`, "Too many read regions for the free plan", "5:20-46", "at most one"},
		{"negative budget", `
  name           = "x"
  primary_region = "us-east-1"
  budget         = -5`, "Negative budget", "4:20-22", "USD"},
		{"fractional budget", `
  name           = "x"
  primary_region = "us-east-1"
  budget         = 1.5`, "Unsuitable value type", "4:20-23", "whole number"},
		{"empty name", `
  name           = ""
  primary_region = "us-east-1"`, "Empty Upstash database name", "2:20-22", "acme-channels"},
		{"api key in stack", `
  name           = "x"
  primary_region = "us-east-1"
  api_key        = "secret"`, "Credentials do not belong in the stack file", "4:3-10", "UPSTASH_API_KEY"},
		{"missing name", `
  primary_region = "us-east-1"`, "Missing required argument", "", "name"},
		{"unknown attribute", `
  name           = "x"
  primary_region = "us-east-1"
  regoin         = "eu"`, "Unsupported argument", "4:3-9", "regoin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, diags := decodeBlock(t, New(provision.Env{}), "upstash {"+tc.body+"\n}\n", nil)
			if spec != nil || !diags.HasErrors() {
				t.Fatalf("got spec %+v and %v, want an error", spec, diags)
			}
			d := diags[0]
			if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) {
				t.Errorf("got %q / %q, want %q with %q", d.Summary, d.Detail, tc.summary, tc.detail)
			}
			if tc.subject == "" {
				return
			}
			if d.Subject == nil {
				t.Fatalf("diagnostic %q has no Subject", d.Summary)
			}
			r := d.Subject
			got := fmt.Sprintf("%d:%d-%d", r.Start.Line, r.Start.Column, r.End.Column)
			if got != tc.subject || r.Filename != "stack.hcl" {
				t.Errorf("subject %s:%s, want stack.hcl:%s", r.Filename, got, tc.subject)
			}
		})
	}
}

func TestDecodeReportsEachProblemOnce(t *testing.T) {
	_, diags := decodeBlock(t, New(provision.Env{}), `
upstash {
  name           = "x"
  primary_region = 5
  read_regions   = ["mars", "venus"]
}
`, nil)
	var summaries []string
	for _, d := range diags {
		summaries = append(summaries, d.Summary)
	}
	if got := strings.Join(summaries, "|"); got != "Unknown Upstash region|Unknown Upstash read region|Unknown Upstash read region" {
		t.Errorf("diagnostics: %s", got)
	}
}

func TestDecodeReportsAllProblemsAtOnce(t *testing.T) {
	_, diags := decodeBlock(t, New(provision.Env{}), `
upstash {
  primary_region = "mars-1"
  colour         = "blue"
}
`, nil)
	var summaries []string
	for _, d := range diags {
		summaries = append(summaries, d.Summary)
	}
	if got := strings.Join(summaries, "|"); got != "Missing required argument|Unsupported argument|Unknown Upstash region" {
		t.Errorf("diagnostics: %s", got)
	}
}
