package provision

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// DecodeContext is what an adapter needs to decode its block.
type DecodeContext struct {
	// Eval resolves var.NAME references.
	Eval *hcl.EvalContext
	// Dir is the stack file's folder; relative paths are relative to it.
	Dir string
	// Name is the label of the enclosing block ("channels", "dev").
	Name string
}

// Path resolves p against the stack's folder unless it is absolute.
func (dc *DecodeContext) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dc.Dir, p)
}

// AttrRange returns the source range of attribute name's value in body, or
// the body's missing-item range when the attribute is absent, so that a
// diagnostic about a decoded value can point at the line that set it.
func AttrRange(body hcl.Body, name string) hcl.Range {
	if syn, ok := body.(*hclsyntax.Body); ok {
		if a, ok := syn.Attributes[name]; ok {
			return a.Expr.Range()
		}
	}
	return body.MissingItemRange()
}
