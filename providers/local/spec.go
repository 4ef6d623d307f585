package local

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/rediskit/rediskit/provision"
)

// Server kinds accepted by the block's server attribute.
const (
	serverAuto     = "auto"
	serverRedis    = "redis-server"
	serverEmbedded = "embedded"
)

// Spec is the decoded local block.
type Spec struct {
	// Name is the enclosing redis block's label; it names the folder.
	Name string
	// Port is the configured port; 0 picks a free one at create.
	Port int
	// Server is "auto", "redis-server" or "embedded".
	Server string
}

// validName keeps the block label usable as one folder name.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// credentialAttrs are refused because the local backend makes its own password.
var credentialAttrs = map[string]bool{
	"password": true, "requirepass": true, "token": true, "api_key": true, "secret": true,
}

// Decode decodes a local block. `local {}` is valid and means a free port and
// the "auto" server.
func (b *Backend) Decode(body hcl.Body, dc *provision.DecodeContext) (provision.Spec, hcl.Diagnostics) {
	var ectx *hcl.EvalContext
	spec := &Spec{Server: serverAuto}
	if dc != nil {
		ectx, spec.Name = dc.Eval, dc.Name
	}
	content, remain, diags := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "port"}, {Name: "server"},
	}})
	diags = append(diags, unknownAttrs(remain)...)
	if spec.Name != "" && !validName.MatchString(spec.Name) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsuitable name for a local Redis",
			Detail: fmt.Sprintf("The local backend keeps redis.%s in a folder named after the block, so the label may only hold letters, digits, '_', '.' and '-'; rename the redis block.",
				spec.Name),
			Subject: body.MissingItemRange().Ptr(),
		})
	}
	if attr, ok := content.Attributes["port"]; ok {
		var d hcl.Diagnostics
		spec.Port, d = decodePort(attr, ectx)
		diags = append(diags, d...)
	}
	if attr, ok := content.Attributes["server"]; ok {
		var d hcl.Diagnostics
		spec.Server, d = decodeServer(attr, ectx)
		diags = append(diags, d...)
	}
	return spec, diags
}

// unknownAttrs reports every attribute other than port and server.
func unknownAttrs(remain hcl.Body) hcl.Diagnostics {
	attrs, diags := remain.JustAttributes()
	for _, a := range sortedAttrs(attrs) {
		detail := fmt.Sprintf("The local block accepts only `port` and `server`; remove `%s`.", a.Name)
		if credentialAttrs[a.Name] {
			detail = fmt.Sprintf("The local backend generates its own password and keeps it only in .rediskit/local/NAME/redis.conf; remove `%s`.", a.Name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   detail,
			Subject:  a.NameRange.Ptr(),
			Context:  a.Range.Ptr(),
		})
	}
	return diags
}

// sortedAttrs orders attributes by position so diagnostics read top-down.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	return out
}

func decodePort(attr *hcl.Attribute, ectx *hcl.EvalContext) (int, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(ectx)
	if diags.HasErrors() || val.IsNull() {
		return 0, diags
	}
	bad := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid port",
		Detail:   "port must be a whole number from 1 to 65535, e.g. `port = 6390`; remove it to use a free port.",
		Subject:  attr.Expr.Range().Ptr(),
		Context:  attr.Range.Ptr(),
	}
	num, err := convert.Convert(val, cty.Number)
	if err != nil || !num.IsWhollyKnown() {
		return 0, append(diags, bad)
	}
	f := num.AsBigFloat()
	if !f.IsInt() || f.Cmp(big.NewFloat(1)) < 0 || f.Cmp(big.NewFloat(65535)) > 0 {
		return 0, append(diags, bad)
	}
	n, _ := f.Int64()
	return int(n), diags
}

func decodeServer(attr *hcl.Attribute, ectx *hcl.EvalContext) (string, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(ectx)
	if diags.HasErrors() || val.IsNull() {
		return serverAuto, diags
	}
	str, err := convert.Convert(val, cty.String)
	if err == nil && str.IsWhollyKnown() {
		switch s := str.AsString(); s {
		case serverAuto, serverRedis, serverEmbedded:
			return s, diags
		}
	}
	return serverAuto, append(diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid server",
		Detail:   `server must be "auto" (redis-server when installed, else the embedded server), "redis-server" or "embedded"; remove it for "auto".`,
		Subject:  attr.Expr.Range().Ptr(),
		Context:  attr.Range.Ptr(),
	})
}

// specOf returns the spec an engine handed back, or the defaults for a spec
// that is not ours (a programming error the methods without an error result
// cannot report).
func specOf(s provision.Spec) Spec {
	switch v := s.(type) {
	case *Spec:
		if v != nil {
			return *v
		}
	case Spec:
		return v
	}
	return Spec{Server: serverAuto}
}

func itoa(n int) string { return strconv.Itoa(n) }
