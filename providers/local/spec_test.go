package local_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/provision"
)

// decode parses src, a file holding one local block, and decodes the block
// as part of redis "channels".
func decode(t *testing.T, src string) (*local.Spec, hcl.Diagnostics) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(src), "stack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	content, diags := file.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "local"}}})
	if diags.HasErrors() || len(content.Blocks) != 1 {
		t.Fatalf("no local block: %v", diags)
	}
	b, _ := newBackend(t, "")
	dc := &provision.DecodeContext{
		Name: "channels",
		Eval: &hcl.EvalContext{Variables: map[string]cty.Value{
			"var": cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(6391)}),
		}},
	}
	spec, diags := b.Decode(content.Blocks[0].Body, dc)
	return spec.(*local.Spec), diags
}

func TestDecodeValid(t *testing.T) {
	for src, want := range map[string]local.Spec{
		"local {}\n": {Name: "channels", Server: "auto"},
		"local {\n  port   = 6390\n  server = \"embedded\"\n}\n":       {Name: "channels", Port: 6390, Server: "embedded"},
		"local {\n  port = var.port\n  server = \"redis-server\"\n}\n": {Name: "channels", Port: 6391, Server: "redis-server"},
		"local {\n  port = null\n}\n":                                  {Name: "channels", Server: "auto"},
	} {
		spec, diags := decode(t, src)
		if diags.HasErrors() {
			t.Errorf("%q: %v", src, diags)
			continue
		}
		if *spec != want {
			t.Errorf("%q: spec %+v, want %+v", src, *spec, want)
		}
	}
}

func TestDecodeDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		summary   string
		line, col int
		detailHas string
	}{
		{"port wrong type", "local {\n  port = \"abc\"\n}\n", "Invalid port", 2, 10, "whole number from 1 to 65535"},
		{"port bool", "local {\n  port = true\n}\n", "Invalid port", 2, 10, "remove it to use a free port"},
		{"port too big", "local {\n  server = \"auto\"\n  port   = 70000\n}\n", "Invalid port", 3, 12, "from 1 to 65535"},
		{"port zero", "local {\n  port = 0\n}\n", "Invalid port", 2, 10, "from 1 to 65535"},
		{"port fraction", "local {\n  port = 6390.5\n}\n", "Invalid port", 2, 10, "whole number"},
		{"server unknown", "local {\n  server = \"docker\"\n}\n", "Invalid server", 2, 12, `"redis-server" or "embedded"`},
		{"server wrong type", "local {\n  server = [\"embedded\"]\n}\n", "Invalid server", 2, 12, `"auto"`},
		{"unknown attribute", "local {\n  port = 6390\n  memory = 64\n}\n", "Unsupported argument", 3, 3, "accepts only `port` and `server`; remove `memory`"},
		{"password", "local {\n  password = \"x\"\n}\n", "Unsupported argument", 2, 3, "generates its own password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := decode(t, tc.src)
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			d := diags[0]
			if d.Severity != hcl.DiagError || d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detailHas) {
				t.Errorf("diagnostic %q / %q; want %q with %q", d.Summary, d.Detail, tc.summary, tc.detailHas)
			}
			if d.Subject == nil || d.Subject.Filename != "stack.hcl" || d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col {
				t.Errorf("Subject = %v, want stack.hcl:%d,%d", d.Subject, tc.line, tc.col)
			}
		})
	}
}

func TestDecodeNestedBlockRefused(t *testing.T) {
	_, diags := decode(t, "local {\n  tuning {\n  }\n}\n")
	if !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Start.Line != 2 {
		t.Fatalf("nested block: %v, want an error on line 2", diags)
	}
}
