package provision

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// DefaultStateFile is where local state lives, relative to the stack's folder.
const DefaultStateFile = ".rediskit/state.json"

// LoadOptions are the inputs of LoadStack besides the file itself.
type LoadOptions struct {
	Registry *Registry
	// Vars are --var NAME=VALUE values; they win over the environment.
	Vars map[string]string
	// Getenv reads REDISKIT_VAR_NAME values.
	Getenv func(string) string
}

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "redis", LabelNames: []string{"name"}},
		{Type: "target", LabelNames: []string{"type", "name"}},
		{Type: "state"},
	},
}

// LoadStack parses and decodes a stack file. The returned stack is usable
// only when the diagnostics have no errors; it is returned either way so
// that its Files can render the diagnostics with source.
func LoadStack(path string, opts LoadOptions) (*Stack, hcl.Diagnostics) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	st := &Stack{File: path, Dir: filepath.Dir(abs), Files: map[string]*hcl.File{}}
	src, err := os.ReadFile(path)
	if err != nil {
		return st, hcl.Diagnostics{readFailed(path, err)}
	}
	parser := hclparse.NewParser()
	file, diags := parser.ParseHCL(src, path)
	st.Files = parser.Files()
	if diags.HasErrors() {
		return st, diags
	}
	diags = append(diags, decodeStack(st, file, opts)...)
	return st, diags
}

func readFailed(path string, err error) *hcl.Diagnostic {
	detail := fmt.Sprintf("rediskit could not read %s: %v.", path, err)
	if os.IsNotExist(err) {
		detail += " Give the stack file's path as the first argument, or run rediskit in the folder that holds stack.hcl."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read stack file", Detail: detail}
}

func decodeStack(st *Stack, file *hcl.File, opts LoadOptions) hcl.Diagnostics {
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unsupported stack syntax",
			Detail: "Stack files are written in HCL native syntax (a .hcl file)."}}
	}
	diags := checkCredentials(body, "")
	content, more := body.Content(topSchema)
	diags = append(diags, more...)
	if content == nil {
		return diags
	}
	vars, more := decodeVariables(content.Blocks.OfType("variable"), opts)
	diags = append(diags, more...)
	st.Variables = vars
	dc := &DecodeContext{Eval: evalContext(vars), Dir: st.Dir}
	diags = append(diags, checkReferences(body, vars)...)
	if diags.HasErrors() {
		return diags
	}
	diags = append(diags, decodeRedisBlocks(st, content.Blocks.OfType("redis"), dc, opts.Registry)...)
	diags = append(diags, decodeTargets(st, content.Blocks.OfType("target"), dc, opts.Registry)...)
	state, more := decodeStateBlock(content.Blocks.OfType("state"), dc)
	st.State = state
	return append(diags, more...)
}
