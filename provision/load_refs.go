package provision

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// credentialAttrs are attribute names that would put a secret in a stack
// file, with where that secret comes from instead.
var credentialAttrs = map[string]string{
	"password":     "",
	"api_key":      "UPSTASH_API_KEY",
	"apikey":       "UPSTASH_API_KEY",
	"token":        "",
	"auth_token":   "",
	"auth_string":  "",
	"access_token": "",
	"secret_key":   "",
	"private_key":  "GOOGLE_APPLICATION_CREDENTIALS",
	"credentials":  "GOOGLE_APPLICATION_CREDENTIALS",
}

// checkCredentials refuses literal secrets anywhere in the file. blockType is
// the enclosing block, which decides the advice.
func checkCredentials(body *hclsyntax.Body, blockType string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, attr := range sortedAttrs(body) {
		name := attr.Name
		if _, bad := credentialAttrs[name]; bad {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("Secrets do not belong in a stack file: %q", name),
				Detail:  credentialAdvice(name, blockType),
				Subject: attr.NameRange.Ptr()})
		}
	}
	for _, b := range body.Blocks {
		diags = append(diags, checkCredentials(b.Body, b.Type)...)
	}
	return diags
}

func credentialAdvice(name, blockType string) string {
	advice := "Remove this attribute. Stack files are committed to version control, so rediskit reads secrets only from the environment. "
	switch {
	case blockType == "upstash":
		return advice + "Upstash credentials come from UPSTASH_EMAIL and UPSTASH_API_KEY; the database password is created by Upstash."
	case blockType == "memorystore":
		return advice + "Memorystore generates the AUTH string itself when auth = true; Google credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)."
	case blockType == "local":
		return advice + "The local backend generates its password and keeps it in .rediskit/local, readable only by you."
	case credentialAttrs[name] != "":
		return advice + "Set " + credentialAttrs[name] + " in the environment instead."
	}
	return advice + "Backends generate their own passwords; API credentials come from UPSTASH_EMAIL / UPSTASH_API_KEY and Google Application Default Credentials."
}

// checkReferences makes sure every var.NAME names a declared variable and
// that redis.NAME appears only where a target names its redis.
func checkReferences(body *hclsyntax.Body, vars map[string]*Variable) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, b := range body.Blocks {
		diags = append(diags, checkBodyReferences(b.Body, b.Type == "target", vars)...)
	}
	return diags
}

func checkBodyReferences(body *hclsyntax.Body, inTarget bool, vars map[string]*Variable) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, attr := range sortedAttrs(body) {
		if inTarget && attr.Name == "redis" {
			continue
		}
		for _, tr := range attr.Expr.Variables() {
			diags = append(diags, checkTraversal(tr, vars)...)
		}
	}
	for _, b := range body.Blocks {
		diags = append(diags, checkBodyReferences(b.Body, false, vars)...)
	}
	return diags
}

func checkTraversal(tr hcl.Traversal, vars map[string]*Variable) hcl.Diagnostics {
	rng := tr.SourceRange()
	switch tr.RootName() {
	case "var":
		name := traversalAttr(tr)
		if name == "" {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variable reference",
				Detail: "Refer to a variable as var.NAME.", Subject: &rng}}
		}
		if vars[name] == nil {
			return hcl.Diagnostics{{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("Reference to undeclared variable %q", name),
				Detail:  fmt.Sprintf("Declare it with a variable %q { } block, or use one of: %s.", name, declaredList(vars)),
				Subject: &rng}}
		}
		return nil
	case "redis":
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "redis references are only for targets",
			Detail: "redis.NAME may only be used as the redis attribute of a target block.", Subject: &rng}}
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown reference %q", tr.RootName()),
		Detail: "A stack can refer to variables (var.NAME) and, in targets, to redis blocks (redis.NAME).", Subject: &rng}}
}

// traversalAttr returns NAME in root.NAME, or "".
func traversalAttr(tr hcl.Traversal) string {
	if len(tr) < 2 {
		return ""
	}
	if a, ok := tr[1].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// sortedAttrs returns a body's attributes in source order, so diagnostics
// come out in the order a person reads the file.
func sortedAttrs(body *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	return attrs
}
