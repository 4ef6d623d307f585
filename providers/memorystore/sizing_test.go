package memorystore

import (
	"testing"

	"github.com/rediskit/rediskit/provision"
)

func TestSizing(t *testing.T) {
	b := &Backend{}
	three := 3
	spec := &Spec{Project: "acme", Region: "us-central1", Instance: "ch", Tier: "STANDARD_HA", MemorySizeGB: 5, ReplicaCount: &three}
	want := provision.Sizing{Provider: "memorystore", Region: "us-central1", Tier: "STANDARD_HA", MemoryGB: 5, Replicas: 3}
	rec := &provision.Record{Attrs: map[string]string{"region": "europe-west1", "tier": "BASIC", "memory_size_gb": "2", "replica_count": "0"}}
	if got := b.Sizing(spec, rec); got != want {
		t.Errorf("Sizing(spec, rec) = %+v, want %+v: the stack's block wins", got, want)
	}
	want = provision.Sizing{Provider: "memorystore", Region: "europe-west1", Tier: "BASIC", MemoryGB: 2}
	if got := b.Sizing(nil, rec); got != want {
		t.Errorf("Sizing(nil, rec) = %+v, want %+v", got, want)
	}
	spec = &Spec{Region: "us-central1", Tier: "STANDARD_HA", MemorySizeGB: 5, ReadReplicasMode: "READ_REPLICAS_ENABLED"}
	if got := b.Sizing(spec, nil); got.Replicas != 2 {
		t.Errorf("read replicas without replica_count: %d replicas, want Memorystore's default 2", got.Replicas)
	}
	if got := b.Sizing(nil, nil); got != (provision.Sizing{Provider: "memorystore"}) {
		t.Errorf("Sizing(nil, nil) = %+v", got)
	}
}
