package memorystore

import (
	"maps"
	"strings"
	"testing"
)

func TestDecodeDefaults(t *testing.T) {
	s := mustSpec(t, channelsBlock)
	want := Spec{Project: "acme-prod", Region: "us-central1", Instance: "acme-channels", Tier: "BASIC", MemorySizeGB: 1,
		RedisVersion: "REDIS_7_2", Network: "projects/acme-prod/global/networks/default", ConnectMode: "DIRECT_PEERING",
		Auth: true, TransitEncryption: true}
	if s.Project != want.Project || s.Region != want.Region || s.Instance != want.Instance || s.Tier != want.Tier ||
		s.MemorySizeGB != want.MemorySizeGB || s.RedisVersion != want.RedisVersion || s.Network != want.Network ||
		s.ConnectMode != want.ConnectMode || !s.Auth || !s.TransitEncryption || s.ReplicaCount != nil || s.ReservedIPRange != "" {
		t.Errorf("decoded %+v", s)
	}
	if !maps.Equal(s.Labels, map[string]string{"managed-by": "rediskit"}) {
		t.Errorf("labels = %v", s.Labels)
	}
	if s.Name() != instanceName {
		t.Errorf("Name() = %q", s.Name())
	}
	if d := (&Backend{}).Describe(s); d != "memorystore acme-channels in us-central1 (BASIC, 1 GB, REDIS_7_2)" {
		t.Errorf("Describe = %q", d)
	}
}

func TestDecodeEverything(t *testing.T) {
	s := mustSpec(t, block(
		`tier = "standard_ha"`, `memory_size_gb = 5`, `redis_version = "REDIS_6_X"`,
		`network = "projects/host-proj/global/networks/shared"`, `connect_mode = "PRIVATE_SERVICE_ACCESS"`,
		`reserved_ip_range = "google-managed-services-shared"`, `auth = false`, `transit_encryption = false`,
		`labels = { team = "web", "managed-by" = "terraform" }`, `redis_configs = { "maxmemory-policy" = "noeviction" }`,
		`replica_count = 2`, `read_replicas_mode = "read_replicas_enabled"`, `secondary_ip_range = "google-managed-services-replicas"`))
	if s.Tier != "STANDARD_HA" || s.MemorySizeGB != 5 || s.RedisVersion != "REDIS_6_X" ||
		s.Network != "projects/host-proj/global/networks/shared" || s.ConnectMode != "PRIVATE_SERVICE_ACCESS" ||
		s.ReservedIPRange != "google-managed-services-shared" || s.Auth || s.TransitEncryption ||
		s.RedisConfigs["maxmemory-policy"] != "noeviction" || s.ReplicaCount == nil || *s.ReplicaCount != 2 ||
		s.ReadReplicasMode != "READ_REPLICAS_ENABLED" || s.SecondaryIPRange != "google-managed-services-replicas" {
		t.Errorf("decoded %+v", s)
	}
	if !maps.Equal(s.Labels, map[string]string{"managed-by": "terraform", "team": "web"}) {
		t.Errorf("labels = %v; the stack's own managed-by wins", s.Labels)
	}
	req := createRequest(s).GetInstance()
	if req.GetReadReplicasMode().String() != "READ_REPLICAS_ENABLED" || req.GetReplicaCount() != 2 ||
		req.GetSecondaryIpRange() != "google-managed-services-replicas" || req.GetReservedIpRange() != "google-managed-services-shared" {
		t.Errorf("request asks for %v replicas, mode %v, ranges %q and %q", req.GetReplicaCount(), req.GetReadReplicasMode(),
			req.GetReservedIpRange(), req.GetSecondaryIpRange())
	}
}

func TestDecodeDiagnostics(t *testing.T) {
	tests := []struct {
		name, line, summary, detail string
	}{
		{"id too long", `instance = "` + strings.Repeat("a", 41) + `"`, "Invalid Memorystore instance id", "41 characters long"},
		{"id upper case", `instance = "Acme"`, "Invalid Memorystore instance id", "does not start with a lowercase letter"},
		{"id underscore", `instance = "acme_channels"`, "Invalid Memorystore instance id", "other than lowercase letters"},
		{"id trailing hyphen", `instance = "acme-"`, "Invalid Memorystore instance id", "ends with a hyphen"},
		{"zone", `region = "us-central1-a"`, "Invalid region", `use "us-central1"`},
		{"region", `region = "Iowa"`, "Invalid region", "us-central1"},
		{"project", `project = "Acme Prod"`, "Invalid Google Cloud project id", "not the project's display name"},
		{"tier", `tier = "STANDARD"`, "Unknown Memorystore tier", "STANDARD_HA"},
		{"memory", `memory_size_gb = 0`, "Memory size out of range", "1 to 300"},
		{"version", `redis_version = "7.2"`, "Unknown Redis version", "REDIS_7_2"},
		{"network", `network = "projects/x/networks/y"`, "Invalid network", "projects/PROJECT/global/networks/NAME"},
		{"connect mode", `connect_mode = "PEERING"`, "Unknown connect mode", "PRIVATE_SERVICE_ACCESS"},
		{"range", `reserved_ip_range = "10.0.0.0/30"`, "Invalid reserved IP range", "/29"},
		{"basic replicas", `replica_count = 1`, "Replicas need the STANDARD_HA tier", "STANDARD_HA"},
		{"read replica mode", `read_replicas_mode = "ON"`, "Unknown read replicas mode", "READ_REPLICAS_ENABLED"},
		{"basic read replicas", `read_replicas_mode = "READ_REPLICAS_ENABLED"` + "\n" + `memory_size_gb = 5`, "Read replicas need the STANDARD_HA tier", `tier = "STANDARD_HA"`},
		{"basic secondary range", `secondary_ip_range = "auto"`, "Read replicas need the STANDARD_HA tier", "remove it"},
		{"peering range name", `reserved_ip_range = "google-managed-services-default"`, "Invalid reserved IP range", "DIRECT_PEERING"},
		{"secondary /29", `secondary_ip_range = "10.0.1.0/29"` + "\n" + `tier = "STANDARD_HA"`, "Invalid secondary IP range", "/28"},
		{"secondary name with peering", `secondary_ip_range = "replicas"` + "\n" + `tier = "STANDARD_HA"`, "Invalid secondary IP range", `"auto"`},
		{"label", `labels = { Team = "x" }`, "Invalid label", "lowercase"},
		{"long label", `labels = { team = "` + strings.Repeat("x", 64) + `" }`, "Invalid label", "at most 63"},
		{"long network", `network = "` + strings.Repeat("n", 64) + `"`, "Invalid network", "VPC network name"},
		{"short project", `project = "acme"`, "Invalid Google Cloud project id", "6 to 30"},
		{"password", `password = "hunter2"`, "Credentials do not belong in the stack file", "auth = true"},
		{"requirepass", `redis_configs = { requirepass = "x" }`, "Credentials do not belong in the stack file", "auth = true"},
		{"credentials", `credentials = "key.json"`, "Credentials do not belong in the stack file", "GOOGLE_APPLICATION_CREDENTIALS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := channelsBlock
			key, _, _ := strings.Cut(tt.line, " =")
			if strings.Contains(src, "  "+key+" ") {
				src = replaceLine(src, key, tt.line)
			} else {
				src = block(tt.line)
			}
			_, diags := decodeBlock(t, src)
			if !diags.HasErrors() || len(diags) != 1 {
				t.Fatalf("diagnostics = %v, want one", diags)
			}
			d := diags[0]
			if d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("got %q: %q", d.Summary, d.Detail)
			}
			line := strings.Split(src, "\n")[d.Subject.Start.Line-1]
			if d.Subject == nil || !strings.Contains(line, key) {
				t.Errorf("subject %v points at %q, want the %s line", d.Subject, line, key)
			}
		})
	}
}

func TestDecodeMissingAndWrongTypes(t *testing.T) {
	_, diags := decodeBlock(t, "memorystore {\n  memory_size_gb = \"big\"\n}")
	var summaries []string
	for _, d := range diags {
		summaries = append(summaries, d.Summary)
	}
	got := strings.Join(summaries, "; ")
	if strings.Count(got, "Missing required argument") != 3 || !strings.Contains(got, "Unsuitable value type") || strings.Contains(got, "Memory size out of range") {
		t.Errorf("diagnostics = %s", got)
	}
}

func replaceLine(src, key, line string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), key+" ") {
			lines[i] = "  " + line
		}
	}
	return strings.Join(lines, "\n")
}
