package cloudruntest

import (
	"slices"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/protobuf/proto"
)

// Others returns what others than rediskit own of svc: a copy without the
// output-only fields (status, etag, generation and the like), without the
// revision name of the template (rediskit names the revisions it makes),
// without the
// variable env in every container, without the volumes and mounts whose
// names start with "rediskit-" and, when vpc is set, without the
// template's VPC access. Two services whose Others marshal to the same
// bytes (proto.MarshalOptions{Deterministic: true}) differ only in what
// rediskit owns.
func Others(svc *runpb.Service, env string, vpc bool) *runpb.Service {
	out := proto.Clone(svc).(*runpb.Service)
	keepOutputs(out, &runpb.Service{})
	t := out.GetTemplate()
	if t == nil {
		return out
	}
	t.Revision = ""
	ours := func(name string) bool { return strings.HasPrefix(name, "rediskit-") }
	t.Volumes = slices.DeleteFunc(t.Volumes, func(v *runpb.Volume) bool { return ours(v.GetName()) })
	for _, c := range t.GetContainers() {
		c.Env = slices.DeleteFunc(c.Env, func(e *runpb.EnvVar) bool { return e.GetName() == env })
		c.VolumeMounts = slices.DeleteFunc(c.VolumeMounts, func(m *runpb.VolumeMount) bool { return ours(m.GetName()) })
	}
	if vpc {
		t.VpcAccess = nil
	}
	return out
}

// SpecBytes is the deterministic encoding of Others(svc, env, vpc).
func SpecBytes(svc *runpb.Service, env string, vpc bool) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(Others(svc, env, vpc))
	if err != nil {
		panic("cloudruntest: marshal service: " + err.Error())
	}
	return b
}
