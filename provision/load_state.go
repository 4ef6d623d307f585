package provision

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

// DefaultStatePrefix is the gcs state backend's object prefix when the state
// block sets none.
const DefaultStatePrefix = "rediskit"

// stateBlock is the state { } block as written.
type stateBlock struct {
	Backend        *string `hcl:"backend,optional"`
	Path           *string `hcl:"path,optional"`
	Bucket         *string `hcl:"bucket,optional"`
	Prefix         *string `hcl:"prefix,optional"`
	LockStaleAfter *string `hcl:"lock_stale_after,optional"`
}

// decodeStateBlock decodes the state block. Path is always the local state
// file (the default one for gcs), so that commands can find a local state a
// switch to gcs would leave behind.
func decodeStateBlock(blocks hcl.Blocks, dc *DecodeContext) (StateConfig, hcl.Diagnostics) {
	cfg := StateConfig{Backend: "local", Path: dc.Path(DefaultStateFile)}
	if len(blocks) == 0 {
		return cfg, nil
	}
	if len(blocks) > 1 {
		return cfg, hcl.Diagnostics{duplicate("state block", "state", blocks[0].DefRange, blocks[1].DefRange)}
	}
	var v stateBlock
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
		diags = append(diags, onlyFor(body, "gcs", map[string]bool{
			"bucket": v.Bucket != nil, "prefix": v.Prefix != nil, "lock_stale_after": v.LockStaleAfter != nil})...)
	case "gcs":
		diags = append(diags, onlyFor(body, "local", map[string]bool{"path": v.Path != nil})...)
		diags = append(diags, decodeGCSState(&cfg, &v, body)...)
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown state backend %q", cfg.Backend),
			Detail: `State backends: "local" (a file beside the stack) and "gcs" (Cloud Storage, for CI).`, Subject: AttrRange(body, "backend").Ptr()})
	}
	return cfg, diags
}

// onlyFor reports attributes that are set (true in set) but belong to
// another backend.
func onlyFor(body hcl.Body, backend string, set map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range []string{"path", "bucket", "prefix", "lock_stale_after"} {
		if set[name] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("%s is only for backend = %q", name, backend),
				Detail:  fmt.Sprintf("Remove %s, or set backend = %q.", name, backend), Subject: AttrRange(body, name).Ptr()})
		}
	}
	return diags
}

// bucketName is Cloud Storage's rule for bucket names, less the dotted
// (domain) form's finer points, which the API itself reports.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

func decodeGCSState(cfg *StateConfig, v *stateBlock, body hcl.Body) hcl.Diagnostics {
	var diags hcl.Diagnostics
	switch {
	case v.Bucket == nil:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing bucket for the gcs state backend",
			Detail:  `Add bucket = "NAME": an existing Cloud Storage bucket on which rediskit's credentials have roles/storage.objectUser.`,
			Subject: body.MissingItemRange().Ptr()})
	case !bucketName.MatchString(*v.Bucket):
		detail := "A bucket name has 3 to 63 lowercase letters, digits, dashes, underscores or dots, and starts and ends with a letter or digit."
		if strings.HasPrefix(*v.Bucket, "gs://") {
			detail = `Write the bucket's name only, without gs:// or a path; the path goes in prefix.`
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid bucket name %q", *v.Bucket),
			Detail: detail, Subject: AttrRange(body, "bucket").Ptr()})
	default:
		cfg.Bucket = *v.Bucket
	}
	cfg.Prefix = DefaultStatePrefix
	if v.Prefix != nil {
		cfg.Prefix = strings.Trim(*v.Prefix, "/")
		if cfg.Prefix == "" || strings.Contains(cfg.Prefix, "//") {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid state prefix %q", *v.Prefix),
				Detail:  `The prefix is the folder of the state objects in the bucket, e.g. prefix = "team/app". Remove it to use "` + DefaultStatePrefix + `".`,
				Subject: AttrRange(body, "prefix").Ptr()})
		}
	}
	if v.LockStaleAfter != nil {
		d, err := time.ParseDuration(*v.LockStaleAfter)
		if err != nil || d <= 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid lock_stale_after %q", *v.LockStaleAfter),
				Detail:  `Give a positive duration such as "2h" or "90m": a lock held longer is reported as probably stale (never released automatically).`,
				Subject: AttrRange(body, "lock_stale_after").Ptr()})
		}
		cfg.LockStaleAfter = d
	}
	return diags
}
