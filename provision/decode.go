package provision

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
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
