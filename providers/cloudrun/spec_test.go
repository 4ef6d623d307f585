package cloudrun

import (
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

func TestDecodeDefaults(t *testing.T) {
	a := attrs(t)
	want := provision.TargetAttrs{AttrProject: "acme-prod", AttrRegion: "us-central1", AttrService: "acme-web",
		AttrEnv: "REDIS_URL", AttrWait: "true", AttrCASecret: "acme-web-redis-url-ca"}
	if len(a) != len(want) {
		t.Fatalf("attrs = %v", a)
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %q, want %q", k, a[k], v)
		}
	}
	if d := (&Target{}).Describe(a); d != "REDIS_URL on service acme-web (new revision)" {
		t.Errorf("Describe = %q", d)
	}
}

func TestDecodeEverything(t *testing.T) {
	a := attrs(t, `container = "web"`, `env = "CHANNELS_REDIS"`, `secret = "acme-redis-url"`, `wait = false`,
		"vpc {\n  network = \"shared\"\n  subnetwork = \"run\"\n  egress = \"all-traffic\"\n}")
	for k, v := range map[string]string{AttrContainer: "web", AttrEnv: "CHANNELS_REDIS", AttrSecret: "acme-redis-url", AttrWait: "false",
		AttrCASecret: "acme-redis-url-ca", AttrVPC: "true", AttrNetwork: "shared", AttrSubnet: "run", AttrEgress: EgressAll} {
		if a[k] != v {
			t.Errorf("%s = %q, want %q", k, a[k], v)
		}
	}
	if d := (&Target{}).Describe(a); d != "CHANNELS_REDIS on service acme-web via secret acme-redis-url (new revision)" {
		t.Errorf("Describe = %q", d)
	}
	if a := attrs(t, "vpc {\n}"); a[AttrEgress] != EgressPrivate || a[AttrNetwork] != "" {
		t.Errorf("empty vpc block: %v", a)
	}
}

func TestDecodeProblems(t *testing.T) {
	base := "project = \"acme-prod\"\nregion = \"us-central1\"\nservice = \"acme-web\"\n"
	for _, tc := range []struct{ body, summary, detail string }{
		{`region = "us-central1"` + "\n" + `service = "acme-web"`, "Missing required argument", `"project" is required`},
		{base + `env = "REDIS-URL"`, "Invalid variable name", `"REDIS-URL"`},
		{base + `secret = "acme/redis"`, "Invalid Secret Manager secret id", "letters, digits"},
		{base + `service = "Acme_Web"`, "Invalid Cloud Run service name", "gcloud run services list"},
		{base + `password = "hunter2"`, "Credentials do not belong in the stack file", "must hold no secrets"},
		{base + "vpc {\n  egress = \"all\"\n}", "Unknown egress setting", EgressPrivate},
		{base + "vpc {\n}\nvpc {\n}", "Duplicate vpc block", "one vpc block"},
		{base + `wait = "soon"`, "Unsuitable value type", ""},
		{base + `path = ".env"`, "Unsupported argument", "takes project, region, service"},
	} {
		body := tc.body
		if strings.Count(body, "service =") > 1 {
			body = strings.Replace(body, `service = "acme-web"`+"\n", "", 1)
		}
		_, diags := decode(t, body)
		if !diags.HasErrors() {
			t.Errorf("%q: no error", tc.body)
			continue
		}
		d := diags[0]
		if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) || d.Subject == nil {
			t.Errorf("%q: %s: %s (subject %v)", tc.body, d.Summary, d.Detail, d.Subject)
		}
	}
}
