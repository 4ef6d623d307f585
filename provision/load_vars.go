package provision

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}, {Name: "default"}},
}

// VarEnvPrefix prefixes the environment variables that set stack variables.
const VarEnvPrefix = "REDISKIT_VAR_"

func decodeVariables(blocks hcl.Blocks, opts LoadOptions) (map[string]*Variable, hcl.Diagnostics) {
	vars := map[string]*Variable{}
	var diags hcl.Diagnostics
	for _, b := range blocks {
		v, more := decodeVariable(b, opts)
		diags = append(diags, more...)
		if v == nil {
			continue
		}
		if prev, dup := vars[v.Name]; dup {
			diags = append(diags, duplicate("variable", v.Name, prev.DefRange, b.DefRange))
			continue
		}
		vars[v.Name] = v
	}
	diags = append(diags, undeclaredVarFlags(vars, opts.Vars)...)
	return vars, diags
}

func decodeVariable(b *hcl.Block, opts LoadOptions) (*Variable, hcl.Diagnostics) {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variable name",
			Detail: "A variable name starts with a letter and holds letters, digits, _ and -.", Subject: b.LabelRanges[0].Ptr()}}
	}
	content, diags := b.Body.Content(variableSchema)
	v := &Variable{Name: name, DefRange: b.DefRange}
	if attr, ok := content.Attributes["description"]; ok {
		val, more := attr.Expr.Value(nil)
		diags = append(diags, more...)
		if val.Type() == cty.String && val.IsKnown() && !val.IsNull() {
			v.Description = val.AsString()
		}
	}
	switch {
	case opts.Vars[name] != "" || hasKey(opts.Vars, name):
		v.Value, v.Source = cty.StringVal(opts.Vars[name]), "--var"
	case opts.Getenv != nil && opts.Getenv(VarEnvPrefix+name) != "":
		v.Value, v.Source = cty.StringVal(opts.Getenv(VarEnvPrefix+name)), VarEnvPrefix+name
	case content.Attributes["default"] != nil:
		val, more := content.Attributes["default"].Expr.Value(nil)
		diags = append(diags, more...)
		v.Value, v.Source = val, "default"
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("No value for variable %q", name),
			Detail: fmt.Sprintf("Give it a value with --var %s=VALUE, the environment variable %s%s, or a default in this block.",
				name, VarEnvPrefix, name),
			Subject: b.DefRange.Ptr()})
		v.Value = cty.DynamicVal
	}
	return v, diags
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

func undeclaredVarFlags(vars map[string]*Variable, flags map[string]string) hcl.Diagnostics {
	var names []string
	for name := range flags {
		if vars[name] == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var diags hcl.Diagnostics
	for _, name := range names {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Value for undeclared variable %q", name),
			Detail:  fmt.Sprintf("--var %s was given, but the stack declares no variable %q. Declared: %s. Add a variable block or fix the name.", name, name, declaredList(vars))})
	}
	return diags
}

func declaredList(vars map[string]*Variable) string {
	if len(vars) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(vars), ", ")
}

func evalContext(vars map[string]*Variable) *hcl.EvalContext {
	vals := map[string]cty.Value{}
	for name, v := range vars {
		vals[name] = v.Value
	}
	return &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vals)}}
}

func duplicate(kind, name string, first, again hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Duplicate %s %q", kind, name),
		Detail:  fmt.Sprintf("A %s named %q is already declared at %s. Names must be unique; rename or remove one.", kind, name, first),
		Subject: again.Ptr()}
}
