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

// LoadStack parses and decodes a stack file (a folder means its stack.hcl). The returned stack is usable
// only when the diagnostics have no errors; it is returned either way so
// that its Files can render the diagnostics with source.
func LoadStack(path string, opts LoadOptions) (*Stack, hcl.Diagnostics) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "stack.hcl")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return &Stack{File: path, Files: map[string]*hcl.File{}}, hcl.Diagnostics{readFailed(path, err)}
	}
	return ParseStack(src, path, opts)
}

// ParseStack decodes a stack from its source; path names it in diagnostics
// and its folder anchors relative paths.
func ParseStack(src []byte, path string, opts LoadOptions) (*Stack, hcl.Diagnostics) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	st := &Stack{File: path, Dir: filepath.Dir(abs), Files: map[string]*hcl.File{}}
	parser := hclparse.NewParser()
	file, diags := parser.ParseHCL(src, path)
	st.Files = parser.Files()
	if diags.HasErrors() {
		return st, diags
	}
	diags = append(diags, decodeStack(st, file, opts)...)
	return st, dedupe(diags)
}

// dedupe drops a diagnostic about the same source range as an earlier one:
// rediskit's own checks run first and say more than the generic decoder
// errors that repeat them.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[hcl.Range]bool{}
	out := diags[:0]
	for _, d := range diags {
		if d.Subject != nil {
			if seen[*d.Subject] {
				continue
			}
			seen[*d.Subject] = true
		}
		out = append(out, d)
	}
	return out
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
	diags = append(diags, unknownTopLevel(body)...)
	content, _, more := body.PartialContent(topSchema)
	diags = append(diags, more...)
	vars, more := decodeVariables(content.Blocks.OfType("variable"), opts)
	diags = append(diags, more...)
	st.Variables = vars
	dc := &DecodeContext{Eval: evalContext(vars), Dir: st.Dir}
	// A bad reference would make every attribute using it fail again during
	// decoding; one diagnostic per mistake is enough.
	if refs := checkReferences(body, vars); refs.HasErrors() {
		return append(diags, refs...)
	}
	diags = append(diags, decodeRedisBlocks(st, content.Blocks.OfType("redis"), dc, opts.Registry)...)
	diags = append(diags, decodeTargets(st, content.Blocks.OfType("target"), dc, opts.Registry)...)
	state, more := decodeStateBlock(content.Blocks.OfType("state"), dc)
	st.State = state
	return append(diags, more...)
}

// unknownTopLevel reports what a stack file may not hold at its top level,
// naming what it may.
func unknownTopLevel(body *hclsyntax.Body) hcl.Diagnostics {
	const detail = "A stack file holds variable, redis, target and state blocks."
	var diags hcl.Diagnostics
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable", "redis", "target", "state":
			continue
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown block type %q", b.Type),
			Detail: detail + " Remove this block or fix its name.", Subject: b.TypeRange.Ptr()})
	}
	for _, a := range sortedAttrs(body) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unexpected attribute %q", a.Name),
			Detail: detail + " Attributes go inside one of them.", Subject: a.NameRange.Ptr()})
	}
	return diags
}
