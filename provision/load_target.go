package provision

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var targetSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "redis", Required: true}}}

func decodeTargets(st *Stack, blocks hcl.Blocks, parent *DecodeContext, reg *Registry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	for _, b := range blocks {
		t, more := decodeTarget(st, b, parent, reg)
		diags = append(diags, more...)
		if t == nil {
			continue
		}
		if first, dup := seen[t.Address()]; dup {
			diags = append(diags, duplicate("target", t.Type+"."+t.Name, first, b.DefRange))
			continue
		}
		seen[t.Address()] = b.DefRange
		st.Targets = append(st.Targets, t)
	}
	return diags
}

func decodeTarget(st *Stack, b *hcl.Block, parent *DecodeContext, reg *Registry) (*TargetBlock, hcl.Diagnostics) {
	typ, name := b.Labels[0], b.Labels[1]
	adapter, ok := reg.Target(typ)
	if !ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown target type %q", typ),
			Detail:  fmt.Sprintf("Known target types: %s.", strings.Join(reg.TargetTypes(), ", ")),
			Subject: b.LabelRanges[0].Ptr()}}
	}
	if !hclsyntax.ValidIdentifier(name) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid target name",
			Detail: "A target name starts with a letter and holds letters, digits, _ and -.", Subject: b.LabelRanges[1].Ptr()}}
	}
	content, remain, diags := b.Body.PartialContent(targetSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	redis, more := redisReference(st, content.Attributes["redis"])
	diags = append(diags, more...)
	dc := &DecodeContext{Eval: parent.Eval, Dir: parent.Dir, Name: name}
	attrs, more := adapter.Decode(remain, dc)
	diags = append(diags, more...)
	return &TargetBlock{Type: typ, Name: name, Redis: redis, Attrs: attrs, DefRange: b.DefRange}, diags
}

// redisReference resolves `redis = redis.NAME` to NAME. Redis blocks are
// decoded before targets, so st knows every declared name.
func redisReference(st *Stack, attr *hcl.Attribute) (string, hcl.Diagnostics) {
	tr, diags := hcl.AbsTraversalForExpr(attr.Expr)
	if diags.HasErrors() || len(tr) != 2 || tr.RootName() != "redis" || traversalAttr(tr) == "" {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid redis reference",
			Detail:  "Name the redis block that serves this target, e.g. redis = redis.channels.",
			Subject: attr.Expr.Range().Ptr()}}
	}
	name := traversalAttr(tr)
	if st.RedisByName(name) == nil {
		var names []string
		for _, r := range st.Redis {
			names = append(names, r.Name)
		}
		declared := "none"
		if len(names) > 0 {
			declared = strings.Join(names, ", ")
		}
		return "", hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Reference to undeclared redis block %q", name),
			Detail:  fmt.Sprintf("Declare redis %q { } or refer to one of the declared redis blocks: %s.", name, declared),
			Subject: attr.Expr.Range().Ptr()}}
	}
	return name, nil
}
