package provision

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// plannedBackends are backend types the language reserves for later versions.
var plannedBackends = []string{"redis_cloud", "railway", "url"}

func decodeRedisBlocks(st *Stack, blocks hcl.Blocks, dc *DecodeContext, reg *Registry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, b := range blocks {
		r, more := decodeRedis(b, dc, reg)
		diags = append(diags, more...)
		if r == nil {
			continue
		}
		if prev := st.RedisByName(r.Name); prev != nil {
			diags = append(diags, duplicate("redis block", r.Name, prev.DefRange, b.DefRange))
			continue
		}
		st.Redis = append(st.Redis, r)
	}
	return diags
}

func redisSchema(reg *Registry) *hcl.BodySchema {
	s := &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "provider", Required: true}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "verify"}, {Type: "usage"}, {Type: "lifecycle"}},
	}
	for _, typ := range reg.BackendTypes() {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: typ})
	}
	return s
}

func decodeRedis(b *hcl.Block, parent *DecodeContext, reg *Registry) (*RedisBlock, hcl.Diagnostics) {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid redis block name",
			Detail: "A redis block name starts with a letter and holds letters, digits, _ and -.", Subject: b.LabelRanges[0].Ptr()}}
	}
	diags := unknownProviderBlocks(b.Body, reg)
	content, more := b.Body.Content(redisSchema(reg))
	diags = append(diags, more...)
	if diags.HasErrors() {
		return nil, diags
	}
	r := &RedisBlock{Name: name, DefRange: b.DefRange, Specs: map[string]Spec{}, SpecRanges: map[string]hcl.Range{},
		Verify: VerifyConfig{Channels: true}}
	dc := &DecodeContext{Eval: parent.Eval, Dir: parent.Dir, Name: name}
	for _, blk := range content.Blocks {
		diags = append(diags, decodeRedisSubBlock(r, blk, dc, reg)...)
	}
	diags = append(diags, decodeProvider(r, content.Attributes["provider"], dc, reg)...)
	return r, diags
}

func decodeRedisSubBlock(r *RedisBlock, blk *hcl.Block, dc *DecodeContext, reg *Registry) hcl.Diagnostics {
	if _, seen := r.SpecRanges[blk.Type]; seen {
		return hcl.Diagnostics{duplicate(blk.Type+" block in redis", r.Name, r.SpecRanges[blk.Type], blk.DefRange)}
	}
	r.SpecRanges[blk.Type] = blk.DefRange
	switch blk.Type {
	case "verify":
		return decodeVerify(r, blk.Body, dc)
	case "usage":
		return decodeUsage(r, blk.Body, dc)
	case "lifecycle":
		return decodeLifecycle(r, blk.Body, dc)
	}
	backend, _ := reg.Backend(blk.Type)
	spec, diags := backend.Decode(blk.Body, dc)
	r.Specs[blk.Type] = spec
	return diags
}

func decodeProvider(r *RedisBlock, attr *hcl.Attribute, dc *DecodeContext, reg *Registry) hcl.Diagnostics {
	var provider string
	diags := gohcl.DecodeExpression(attr.Expr, dc.Eval, &provider)
	if diags.HasErrors() {
		return diags
	}
	r.Provider, r.ProviderRange = provider, attr.Expr.Range()
	if _, ok := reg.Backend(provider); !ok {
		return hcl.Diagnostics{unknownBackend(provider, attr.Expr.Range(), reg)}
	}
	if _, ok := r.Specs[provider]; !ok {
		return hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("Missing %s block", provider),
			Detail: fmt.Sprintf("redis %q uses provider %q, so it needs a %s { } block with that backend's settings. Add one (`%s {}` takes the defaults) or name another provider.",
				r.Name, provider, provider, provider),
			Subject: attr.Expr.Range().Ptr()}}
	}
	return nil
}

func unknownBackend(typ string, rng hcl.Range, reg *Registry) *hcl.Diagnostic {
	for _, p := range plannedBackends {
		if p == typ {
			return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Backend %q is not available yet", typ),
				Detail: fmt.Sprintf("This version of rediskit supports: %s.", strings.Join(reg.BackendTypes(), ", ")), Subject: rng.Ptr()}
		}
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown backend type %q", typ),
		Detail: fmt.Sprintf("Known backend types: %s.", strings.Join(reg.BackendTypes(), ", ")), Subject: rng.Ptr()}
}

// unknownProviderBlocks reports blocks in a redis block that are neither
// settings blocks nor known backends, listing the known ones (HCL's own
// message would only say the block is unexpected).
func unknownProviderBlocks(body hcl.Body, reg *Registry) hcl.Diagnostics {
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	for _, blk := range syn.Blocks {
		switch blk.Type {
		case "verify", "usage", "lifecycle":
			continue
		}
		if _, ok := reg.Backend(blk.Type); !ok {
			d := unknownBackend(blk.Type, blk.TypeRange, reg)
			d.Detail += " Settings blocks allowed here: verify, usage, lifecycle."
			diags = append(diags, d)
		}
	}
	return diags
}

func decodeVerify(r *RedisBlock, body hcl.Body, dc *DecodeContext) hcl.Diagnostics {
	var v struct {
		Channels *bool `hcl:"channels,optional"`
		PubSub   *bool `hcl:"pubsub,optional"`
	}
	diags := gohcl.DecodeBody(body, dc.Eval, &v)
	if v.Channels != nil {
		r.Verify.Channels = *v.Channels
	}
	if v.PubSub != nil {
		r.Verify.PubSub = *v.PubSub
	}
	return diags
}

func decodeLifecycle(r *RedisBlock, body hcl.Body, dc *DecodeContext) hcl.Diagnostics {
	var v struct {
		PreventDestroy bool `hcl:"prevent_destroy,optional"`
	}
	diags := gohcl.DecodeBody(body, dc.Eval, &v)
	r.PreventDestroy = v.PreventDestroy
	return diags
}

func decodeUsage(r *RedisBlock, body hcl.Body, dc *DecodeContext) hcl.Diagnostics {
	var v struct {
		Workers        *int     `hcl:"workers,optional"`
		Layer          *string  `hcl:"layer,optional"`
		MessagesPerDay *int64   `hcl:"messages_per_day,optional"`
		StorageGB      *float64 `hcl:"storage_gb,optional"`
	}
	diags := gohcl.DecodeBody(body, dc.Eval, &v)
	if diags.HasErrors() {
		return diags
	}
	u := &Usage{Layer: "core"}
	if v.Workers != nil {
		u.Workers = *v.Workers
	}
	if v.Layer != nil {
		u.Layer = *v.Layer
	}
	if v.MessagesPerDay != nil {
		u.MessagesPerDay = *v.MessagesPerDay
	}
	if v.StorageGB != nil {
		u.StorageGB = *v.StorageGB
	}
	if u.Layer != "core" && u.Layer != "pubsub" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid channel layer",
			Detail:  `layer is "core" (channels_redis.core.RedisChannelLayer) or "pubsub" (channels_redis.pubsub.RedisPubSubChannelLayer).`,
			Subject: AttrRange(body, "layer").Ptr()})
	}
	r.Usage = u
	return diags
}
