package dotenv

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rediskit/rediskit/provision"
)

// DefaultEnv is the variable a dotenv target writes unless env says otherwise.
const DefaultEnv = "REDIS_URL"

// Keys of the TargetAttrs that Decode returns.
const (
	// AttrPath is the file's path as the stack writes it. A relative path
	// is kept relative (and resolved against the stack's folder at use) so
	// that state stays valid when the project folder moves.
	AttrPath = "path"
	// AttrEnv is the variable's name.
	AttrEnv = "env"
)

// Target writes the Redis URL into one variable of a .env file. Besides the
// stack's folder it holds no state: everything it needs is in the
// TargetAttrs that Decode returns.
type Target struct {
	dir string
}

var (
	_ provision.Target    = (*Target)(nil)
	_ provision.Describer = (*Target)(nil)
)

// New returns the dotenv target for a stack in env.Dir.
func New(env provision.Env) *Target { return &Target{dir: env.Dir} }

// Type returns "dotenv".
func (*Target) Type() string { return "dotenv" }

// Describe names where the target writes, e.g. "REDIS_URL in .env".
func (*Target) Describe(attrs provision.TargetAttrs) string {
	return attrs[AttrEnv] + " in " + attrs[AttrPath]
}

func bodySchema() *hcl.BodySchema {
	return &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "redis"}, // the engine's; decoded there
			{Name: AttrPath},
			{Name: AttrEnv},
		},
	}
}

// Decode decodes path (required, relative to the stack's folder) and env
// (default DefaultEnv). It checks that env is a valid variable name and that
// path is not an existing folder; it changes nothing.
func (*Target) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.TargetAttrs, hcl.Diagnostics) {
	content, diags := body.Content(bodySchema())
	for _, d := range diags {
		if d.Summary == "Unsupported argument" {
			d.Detail += " A dotenv target takes path and env."
		}
	}
	env, more := decodeEnv(content.Attributes[AttrEnv], dc.Eval)
	diags = append(diags, more...)
	display, more := decodePath(content.Attributes[AttrPath], body, dc)
	diags = append(diags, more...)
	if diags.HasErrors() {
		return nil, diags
	}
	return provision.TargetAttrs{AttrPath: display, AttrEnv: env}, diags
}

// decodeEnv returns the variable's name, DefaultEnv when attr is nil.
func decodeEnv(attr *hcl.Attribute, eval *hcl.EvalContext) (string, hcl.Diagnostics) {
	if attr == nil {
		return DefaultEnv, nil
	}
	env, diags := stringValue(attr, eval, DefaultEnv)
	if !diags.HasErrors() && !ValidName(env) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid variable name",
			Detail: fmt.Sprintf("%q is not an environment variable name. Use a letter or underscore "+
				"followed by letters, digits and underscores, such as %q.", env, DefaultEnv),
			Subject: attr.Expr.Range().Ptr(),
		})
	}
	return env, diags
}

// decodePath returns the path as written. It refuses a missing or empty path
// and one that names an existing folder.
func decodePath(attr *hcl.Attribute, body hcl.Body, dc *provision.DecodeContext) (string, hcl.Diagnostics) {
	if attr == nil {
		return "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail: `A dotenv target needs path, the .env file to write, such as path = ".env" ` +
				"(relative to the stack file's folder).",
			Subject: body.MissingItemRange().Ptr(),
		}}
	}
	p, diags := stringValue(attr, dc.Eval, ".env")
	if diags.HasErrors() {
		return "", diags
	}
	diag := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: attr.Expr.Range().Ptr()}
	if p == "" {
		diag.Summary = "Empty path"
		diag.Detail = `Set path to the .env file to write, such as path = ".env".`
		return "", append(diags, diag)
	}
	if info, err := os.Stat(dc.Path(p)); err == nil && info.IsDir() {
		diag.Summary = "Path is a folder"
		diag.Detail = fmt.Sprintf("%s is a folder. Set path to the .env file inside it, such as path = %q.",
			p, filepath.ToSlash(filepath.Join(p, ".env")))
		return "", append(diags, diag)
	}
	return p, diags
}

// stringValue evaluates attr, which must be a string; example shows one.
func stringValue(attr *hcl.Attribute, eval *hcl.EvalContext, example string) (string, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(eval)
	if diags.HasErrors() {
		return "", diags
	}
	val, _ = val.Unmark()
	if val.IsNull() || !val.IsKnown() || !val.Type().Equals(cty.String) {
		return "", append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect attribute value type",
			Detail:   fmt.Sprintf("%s must be a string, such as %s = %q.", attr.Name, attr.Name, example),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	return val.AsString(), diags
}
