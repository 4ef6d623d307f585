package memorystore

import "github.com/rediskit/rediskit/provision"

var _ provision.Placer = (*Backend)(nil)

// Placement reports that an instance of spec is private to its authorized
// network: Memorystore gives instances internal addresses only, so a
// target must have egress into that network to reach it.
func (b *Backend) Placement(spec provision.Spec) provision.Placement {
	s, ok := spec.(*Spec)
	if !ok || s == nil {
		return provision.Placement{}
	}
	return provision.Placement{Private: true, Network: s.Network, Project: s.Project, Region: s.Region}
}
