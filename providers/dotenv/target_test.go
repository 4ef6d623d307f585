package dotenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/rediskit/rediskit/provision"
)

// decode decodes body, the inside of a target "dotenv" block, for a stack in
// dir with var.envfile = "config/.env".
func decode(t *testing.T, dir, body string) (provision.TargetAttrs, hcl.Diagnostics) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig([]byte(body), "stack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse: %s", diags)
	}
	eval := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{"envfile": cty.StringVal("config/.env")}),
	}}
	return New(provision.Env{}).Decode(file.Body, &provision.DecodeContext{Eval: eval, Dir: dir, Name: "dev"})
}

func TestDecode(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string
		want       provision.TargetAttrs
	}{
		{"defaults", `path = ".env"`,
			provision.TargetAttrs{"path": ".env", "env": "REDIS_URL"}},
		{"redis reference and env", "redis = redis.channels\npath = \"app/.env\"\nenv = \"CHANNELS_REDIS\"",
			provision.TargetAttrs{"path": "app/.env", "env": "CHANNELS_REDIS"}},
		{"absolute path", `path = "/srv/app/.env"`,
			provision.TargetAttrs{"path": "/srv/app/.env", "env": "REDIS_URL"}},
		{"variable", `path = var.envfile`,
			provision.TargetAttrs{"path": "config/.env", "env": "REDIS_URL"}},
		// Kept as written, not cleaned: plans and errors show what the user wrote.
		{"not cleaned", `path = "./app/../.env"`,
			provision.TargetAttrs{"path": "./app/../.env", "env": "REDIS_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := decode(t, dir, tt.body)
			if len(diags) > 0 {
				t.Fatalf("diagnostics: %s", diags)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestDecodeDiagnostics(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		summary    string
		line       int    // of the diagnostic's subject
		detail     string // a part of the detail
	}{
		{"missing path", `env = "REDIS_URL"`, "Missing required argument", 1, `path = ".env"`},
		{"path not a string", "env = \"A\"\npath = 1", "Incorrect attribute value type", 2, `path = ".env"`},
		{"path bool", "path = true", "Incorrect attribute value type", 1, "must be a string"},
		{"path null", "path = null", "Incorrect attribute value type", 1, "must be a string"},
		{"env not a string", "path = \".env\"\nenv = [\"A\"]", "Incorrect attribute value type", 2, `env = "REDIS_URL"`},
		{"empty path", `path = ""`, "Empty path", 1, `path = ".env"`},
		{"invalid env", "path = \".env\"\nenv = \"REDIS-URL\"", "Invalid variable name", 2, `such as "REDIS_URL"`},
		{"env starting with a digit", "path = \".env\"\nenv = \"1URL\"", "Invalid variable name", 2, "letter or underscore"},
		{"unknown argument", "path = \".env\"\npaht = \"x\"", "Unsupported argument", 2, "takes path and env"},
		{"unknown block", "path = \".env\"\nextra {}", "Unsupported block type", 2, "extra"},
		{"folder", `path = "config"`, "Path is a folder", 1, `path = "config/.env"`},
		{"the stack folder", `path = "."`, "Path is a folder", 1, `path = ".env"`},
		{"undefined variable", `path = var.nope`, "Unsupported attribute", 1, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs, diags := decode(t, dir, tt.body)
			if !diags.HasErrors() {
				t.Fatalf("no error; attrs %v", attrs)
			}
			d := diags[0]
			if d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("got %q: %q; want %q with detail containing %q", d.Summary, d.Detail, tt.summary, tt.detail)
			}
			if d.Subject == nil || d.Subject.Filename != "stack.hcl" || d.Subject.Start.Line != tt.line {
				t.Errorf("subject %v, want stack.hcl line %d", d.Subject, tt.line)
			}
			if attrs != nil {
				t.Errorf("attrs %v alongside errors", attrs)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	// The stack's folder is not part of the description: it names the path
	// as the stack writes it.
	target := New(provision.Env{Dir: "/srv/app"})
	if got := target.Describe(provision.TargetAttrs{"path": ".env", "env": "REDIS_URL"}); got != "REDIS_URL in .env" {
		t.Errorf("Describe = %q", got)
	}
	if got := target.Describe(provision.TargetAttrs{"path": "/a/.env", "env": "X"}); got != "X in /a/.env" {
		t.Errorf("Describe of an absolute path = %q", got)
	}
	if target.Type() != "dotenv" {
		t.Errorf("Type = %q", target.Type())
	}
}
