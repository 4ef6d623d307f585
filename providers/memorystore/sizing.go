package memorystore

import (
	"strconv"

	"github.com/rediskit/rediskit/provision"
)

var _ provision.Sizer = (*Backend)(nil)

// Sizing reports what the instance's price depends on: region, tier,
// provisioned size and replicas. The stack's block wins; a block removed
// from the stack is sized from what state recorded about the instance.
func (b *Backend) Sizing(spec provision.Spec, rec *provision.Record) provision.Sizing {
	sz := provision.Sizing{Provider: b.Type()}
	if s, ok := spec.(*Spec); ok && s != nil {
		sz.Region, sz.Tier, sz.MemoryGB = s.Region, s.Tier, float64(s.MemorySizeGB)
		switch {
		case s.ReplicaCount != nil:
			sz.Replicas = *s.ReplicaCount
		case s.ReadReplicas():
			sz.Replicas = defaultReadReplicas
		}
		return sz
	}
	if rec == nil {
		return sz
	}
	sz.Region, sz.Tier = rec.Attrs["region"], rec.Attrs["tier"]
	if gb, err := strconv.Atoi(rec.Attrs["memory_size_gb"]); err == nil {
		sz.MemoryGB = float64(gb)
	}
	if n, err := strconv.Atoi(rec.Attrs["replica_count"]); err == nil {
		sz.Replicas = n
	}
	return sz
}
