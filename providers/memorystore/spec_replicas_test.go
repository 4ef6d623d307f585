package memorystore

import (
	"strings"
	"testing"
)

// standardHA is the start of every read replica block below.
var standardHA = []string{`tier = "STANDARD_HA"`}

func TestDecodeReadReplicaRules(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		attr    string // the attribute the diagnostic points at
		summary string
		detail  string
	}{
		{"replicas without the mode", []string{`memory_size_gb = 5`, `replica_count = 3`},
			"replica_count", "More than one replica needs read replicas", `read_replicas_mode = "READ_REPLICAS_ENABLED"`},
		{"under 5 GB, size set", []string{`memory_size_gb = 4`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`},
			"memory_size_gb", "Read replicas need at least 5 GB", "memory_size_gb = 5"},
		{"under 5 GB by default", []string{`read_replicas_mode = "READ_REPLICAS_ENABLED"`},
			"read_replicas_mode", "Read replicas need at least 5 GB", "has 1 GB"},
		{"a /29 with read replicas", []string{`memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`, `reserved_ip_range = "10.0.0.0/29"`},
			"reserved_ip_range", "Reserved IP range too small for read replicas", "/28"},
		{"a CIDR with private service access", []string{`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `reserved_ip_range = "10.0.0.0/28"`},
			"reserved_ip_range", "A range name is needed here, not a CIDR", "gcloud compute addresses list"},
		{"a bad range name", []string{`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `reserved_ip_range = "Managed_Range"`},
			"reserved_ip_range", "Invalid IP range name", "lowercase"},
		{"a secondary CIDR with private service access", []string{`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `secondary_ip_range = "10.0.1.0/28"`},
			"secondary_ip_range", "A range name is needed here, not a CIDR", "secondary_ip_range is the name"},
		{"too many read replicas", []string{`memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`, `replica_count = 6`},
			"replica_count", "Replica count out of range", "1 to 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := block(append(standardHA, tt.lines...)...)
			_, diags := decodeBlock(t, src)
			if len(diags) != 1 || !diags.HasErrors() {
				t.Fatalf("diagnostics = %v, want one", diags)
			}
			d := diags[0]
			if d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("got %q: %q", d.Summary, d.Detail)
			}
			if d.Subject == nil {
				t.Fatal("no source range")
			}
			if line := strings.Split(src, "\n")[d.Subject.Start.Line-1]; !strings.HasPrefix(strings.TrimSpace(line), tt.attr+" ") {
				t.Errorf("subject points at %q, want the %s line", line, tt.attr)
			}
		})
	}
}

func TestDecodeReadReplicaForms(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		secondary string
	}{
		{"peering, auto in any case", []string{`secondary_ip_range = "AUTO"`}, "auto"},
		{"peering, a /28", []string{`reserved_ip_range = "10.0.0.0/28"`, `secondary_ip_range = "10.0.1.0/28"`}, "10.0.1.0/28"},
		{"private service access, names", []string{`connect_mode = "PRIVATE_SERVICE_ACCESS"`, `reserved_ip_range = "google-managed-services-default"`, `secondary_ip_range = "redis-replicas"`}, "redis-replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string{`memory_size_gb = 5`, `read_replicas_mode = "READ_REPLICAS_ENABLED"`, `replica_count = 3`}, tt.lines...)
			s := mustSpec(t, block(append(standardHA, lines...)...))
			if !s.ReadReplicas() || s.SecondaryIPRange != tt.secondary || *s.ReplicaCount != 3 {
				t.Errorf("decoded read replicas %v, secondary %q, %d replicas", s.ReadReplicas(), s.SecondaryIPRange, *s.ReplicaCount)
			}
		})
	}
	if s := mustSpec(t, block(`tier = "STANDARD_HA"`, `replica_count = 1`)); s.ReadReplicas() || s.ReadReplicasMode != DefaultReadReplicasMode {
		t.Errorf("one replica without read replicas decoded as mode %q", s.ReadReplicasMode)
	}
}
