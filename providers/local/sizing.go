package local

import "github.com/rediskit/rediskit/provision"

var _ provision.Sizer = (*Backend)(nil)

// Sizing reports a Redis on this machine, which costs nothing.
func (b *Backend) Sizing(provision.Spec, *provision.Record) provision.Sizing {
	return provision.Sizing{Provider: b.Type()}
}
