package provision

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// SwitchProvider returns the stack source src with `provider` of redis block
// name set to typ. Everything else — comments, layout, other blocks — is
// kept byte for byte, so the change is the one-line edit a person would
// make and commit.
func SwitchProvider(src []byte, filename, name, typ string) ([]byte, error) {
	f, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, b := range f.Body().Blocks() {
		if b.Type() == "redis" && len(b.Labels()) == 1 && b.Labels()[0] == name {
			b.Body().SetAttributeValue("provider", cty.StringVal(typ))
			return f.Bytes(), nil
		}
	}
	return nil, fmt.Errorf("%s has no redis %q block", filename, name)
}

// SuggestBlock writes the provider block a redis block needs before it can
// switch to typ, filled in from what the stack already says (the project
// and region of a Cloud Run target, the region of the current backend), for
// the diagnostic that asks the user to add it.
func SuggestBlock(stack *Stack, rb *RedisBlock, typ string) string {
	hints := placementHints(stack, rb)
	region := first(hints["region"], "us-central1")
	switch typ {
	case "memorystore":
		return fmt.Sprintf(`  memorystore {
    project            = %q
    region             = %q
    instance           = %q
    tier               = "BASIC"
    memory_size_gb     = 1
    redis_version      = "REDIS_7_2"
    network            = "default"   # the VPC network your Cloud Run service reaches (vpc egress)
    auth               = true
    transit_encryption = true
  }`, first(hints["project"], "YOUR-PROJECT"), region, instanceName(rb.Name))
	case "upstash":
		return fmt.Sprintf(`  upstash {
    name           = %q
    primary_region = %q
    eviction       = false
  }`, instanceName(rb.Name), region)
	}
	return "  " + typ + " {}"
}

// placementHints collects project and region values from the Cloud Run
// targets of rb and from rb's own provider blocks, most common first.
func placementHints(stack *Stack, rb *RedisBlock) map[string][]string {
	counts := map[string]map[string]int{"project": {}, "region": {}}
	for _, tb := range stack.Targets {
		if tb.Redis != rb.Name {
			continue
		}
		for key := range counts {
			if v := tb.Attrs[key]; v != "" {
				counts[key][v]++
			}
		}
	}
	out := map[string][]string{}
	for key, vals := range counts {
		for v := range vals {
			out[key] = append(out[key], v)
		}
		sort.Slice(out[key], func(i, j int) bool { return vals[out[key][i]] > vals[out[key][j]] })
	}
	return out
}

func first(vals []string, fallback string) string {
	if len(vals) > 0 {
		return vals[0]
	}
	return fallback
}

// instanceName turns a redis block label into a name providers accept
// (lower case letters, digits and hyphens, starting with a letter).
func instanceName(label string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, label)
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "redis-" + name
	}
	return strings.TrimRight(name, "-")
}
