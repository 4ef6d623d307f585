package provision

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

func decodeStateBlock(blocks hcl.Blocks, dc *DecodeContext) (StateConfig, hcl.Diagnostics) {
	cfg := StateConfig{Backend: "local", Path: dc.Path(DefaultStateFile)}
	if len(blocks) == 0 {
		return cfg, nil
	}
	if len(blocks) > 1 {
		return cfg, hcl.Diagnostics{duplicate("state block", "state", blocks[0].DefRange, blocks[1].DefRange)}
	}
	var v struct {
		Backend *string `hcl:"backend,optional"`
		Path    *string `hcl:"path,optional"`
		Bucket  *string `hcl:"bucket,optional"`
		Prefix  *string `hcl:"prefix,optional"`
	}
	body := blocks[0].Body
	diags := gohcl.DecodeBody(body, dc.Eval, &v)
	cfg.Range = blocks[0].DefRange
	if diags.HasErrors() {
		return cfg, diags
	}
	if v.Backend != nil {
		cfg.Backend = *v.Backend
	}
	switch cfg.Backend {
	case "local":
		if v.Path != nil {
			cfg.Path = dc.Path(*v.Path)
		}
	case "gcs":
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "The gcs state backend is not available yet",
			Detail: "This version keeps state in a local file. Remove the state block or set backend = \"local\".", Subject: AttrRange(body, "backend").Ptr()})
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown state backend %q", cfg.Backend),
			Detail: `State backends: "local" (a file beside the stack) and "gcs" (Cloud Storage, for CI).`, Subject: AttrRange(body, "backend").Ptr()})
	}
	return cfg, diags
}
