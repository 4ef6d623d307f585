package provision

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// BlockDecoder decodes an adapter's block attribute by attribute and
// collects the diagnostics, so that one run reports every problem in the
// block rather than the first.
type BlockDecoder struct {
	Eval  *hcl.EvalContext
	Attrs hcl.Attributes
	Diags hcl.Diagnostics
}

// NewBlockDecoder decodes attrs in dc's evaluation context (dc may be nil in
// tests: no variables then).
func NewBlockDecoder(attrs hcl.Attributes, dc *DecodeContext) *BlockDecoder {
	d := &BlockDecoder{Attrs: attrs}
	if dc != nil {
		d.Eval = dc.Eval
	}
	return d
}

// Decode decodes attribute name, if it is set, into target.
func (d *BlockDecoder) Decode(name string, target any) {
	if attr, ok := d.Attrs[name]; ok {
		d.Diags = append(d.Diags, gohcl.DecodeExpression(attr.Expr, d.Eval, target)...)
	}
}

// Fail adds an error pointing at attribute name's value. The attribute must
// be set.
func (d *BlockDecoder) Fail(name, summary, detail string) {
	attr := d.Attrs[name]
	d.FailAt(attr.Expr.Range(), attr.Range, summary, detail)
}

// FailAt adds an error pointing at subject within context.
func (d *BlockDecoder) FailAt(subject, context hcl.Range, summary, detail string) {
	d.Diags = append(d.Diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: subject.Ptr(), Context: context.Ptr()})
}

// Checkable reports whether attribute name is set and decoded without
// error, so that a value that failed to decode is not reported twice.
func (d *BlockDecoder) Checkable(name string) bool {
	attr, ok := d.Attrs[name]
	if !ok {
		return false
	}
	for _, diag := range d.Diags {
		if diag.Severity == hcl.DiagError && diag.Subject != nil && rangeWithin(*diag.Subject, attr.Range) {
			return false
		}
	}
	return true
}

func rangeWithin(inner, outer hcl.Range) bool {
	return inner.Filename == outer.Filename && inner.Start.Byte >= outer.Start.Byte && inner.End.Byte <= outer.End.Byte
}
