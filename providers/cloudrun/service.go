package cloudrun

import (
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/protobuf/proto"
)

// owned is what rediskit owns in a service's template: its variable in
// the chosen container, the volume holding a backend's CA bundle and its
// mount, and (for a private backend) the VPC access. Everything else in
// the service is sent back exactly as read.
type owned struct {
	env    *runpb.EnvVar      // nil: not set
	volume *runpb.Volume      // nil: none
	mount  *runpb.VolumeMount // nil: none
	vpc    *runpb.VpcAccess
	// keepVPC leaves the VPC access as it is (a public backend).
	keepVPC bool
}

// ownedOf reads what rediskit owns in t (a service's template, or the
// parts of a revision), where c is the chosen container.
func ownedOf(t *runpb.RevisionTemplate, c *runpb.Container, s *settings) owned {
	o := owned{vpc: t.GetVpcAccess()}
	if i := envIndex(c, s.env); i >= 0 {
		o.env = c.GetEnv()[i]
	}
	if i := volumeIndex(t.GetVolumes(), caVolumeName(s)); i >= 0 {
		o.volume = t.GetVolumes()[i]
	}
	if i := mountIndex(c, caVolumeName(s)); i >= 0 {
		o.mount = c.GetVolumeMounts()[i]
	}
	return o
}

// equal reports whether a service already holds o, as seen in have. Only
// what rediskit owns is compared, in the form Cloud Run gives it back:
// the API fills in the mode of secret volume files and full network
// names (gcp-apis.md §6b row 5), which would otherwise make every apply
// plan a change.
func (o owned) equal(have owned, s *settings) bool {
	return proto.Equal(o.env, have.env) && proto.Equal(normalVolume(o.volume), normalVolume(have.volume)) && proto.Equal(o.mount, have.mount) &&
		(o.keepVPC || sameVPC(o.vpc, have.vpc, s))
}

// secretFileMode is the mode Cloud Run gives secret volume files when the
// template names none (0444).
const secretFileMode = 0o444

// normalVolume is v with the default file mode spelt out.
func normalVolume(v *runpb.Volume) *runpb.Volume {
	if v.GetSecret() == nil || v.GetSecret().GetDefaultMode() != 0 {
		return v
	}
	n := clone(v)
	n.GetSecret().DefaultMode = secretFileMode
	return n
}

// sameVPC reports whether have is the VPC access want asks for: the same
// connector, egress (unset is private ranges only) and network interface,
// whose network and subnetwork are compared by full name, an empty one in
// want matching any.
func sameVPC(want, have *runpb.VpcAccess, s *settings) bool {
	egress := func(v *runpb.VpcAccess) runpb.VpcAccess_VpcEgress {
		if e := v.GetEgress(); e != runpb.VpcAccess_VPC_EGRESS_UNSPECIFIED {
			return e
		}
		return runpb.VpcAccess_PRIVATE_RANGES_ONLY
	}
	if want.GetConnector() != have.GetConnector() || len(want.GetNetworkInterfaces()) != len(have.GetNetworkInterfaces()) ||
		(want != nil && have != nil && egress(want) != egress(have)) || (want == nil) != (have == nil) {
		return false
	}
	for i, w := range want.GetNetworkInterfaces() {
		h := have.GetNetworkInterfaces()[i]
		if (w.GetNetwork() != "" && s.fullNetwork(w.GetNetwork()) != s.fullNetwork(h.GetNetwork())) ||
			(w.GetSubnetwork() != "" && s.fullSubnetwork(w.GetSubnetwork()) != s.fullSubnetwork(h.GetSubnetwork())) ||
			!slices.Equal(w.GetTags(), h.GetTags()) {
			return false
		}
	}
	return true
}

// previousLeft reports whether the template still holds the value where
// the previous settings put it (w.prev), apart from where it goes now (c
// is the container it goes to).
func (w *writer) previousLeft(t *runpb.RevisionTemplate, c *runpb.Container) bool {
	p := w.prev
	if p == nil {
		return false
	}
	pc, err := container(t, p)
	if err != nil {
		return false // that container is gone, and the value with it
	}
	if envIndex(pc, p.env) >= 0 && (pc != c || p.env != w.s.env) {
		return true
	}
	name := caVolumeName(p)
	return name != caVolumeName(w.s) && (volumeIndex(t.GetVolumes(), name) >= 0 || mountIndex(pc, name) >= 0)
}

// dropPrevious takes the variable, CA volume and mount of settings p out
// of t. The VPC access stays: the new settings decide it.
func dropPrevious(t *runpb.RevisionTemplate, p *settings) {
	if c, err := container(t, p); err == nil {
		owned{keepVPC: true}.applyTo(t, c, p)
	}
}

// applyTo sets o in t and its container c, changing nothing else: a
// variable keeps its place among the others, a new one goes last.
func (o owned) applyTo(t *runpb.RevisionTemplate, c *runpb.Container, s *settings) {
	c.Env = put(c.Env, envIndex(c, s.env), o.env)
	t.Volumes = put(t.Volumes, volumeIndex(t.Volumes, caVolumeName(s)), o.volume)
	c.VolumeMounts = put(c.VolumeMounts, mountIndex(c, caVolumeName(s)), o.mount)
	if !o.keepVPC {
		t.VpcAccess = clone(o.vpc)
	}
}

// put replaces list[i] with v, appends v when i < 0, or deletes list[i]
// when v is nil.
func put[T proto.Message](list []T, i int, v T) []T {
	isNil := any(v) == nil || !v.ProtoReflect().IsValid()
	switch {
	case i >= 0 && isNil:
		return slices.Delete(list, i, i+1)
	case i >= 0:
		list[i] = clone(v)
	case !isNil:
		list = append(list, clone(v))
	}
	return list
}

func clone[T proto.Message](v T) T {
	if any(v) == nil || !v.ProtoReflect().IsValid() {
		return v
	}
	return proto.Clone(v).(T)
}

func envIndex(c *runpb.Container, name string) int {
	return slices.IndexFunc(c.GetEnv(), func(e *runpb.EnvVar) bool { return e.GetName() == name })
}

func volumeIndex(vs []*runpb.Volume, name string) int {
	return slices.IndexFunc(vs, func(v *runpb.Volume) bool { return v.GetName() == name })
}

func mountIndex(c *runpb.Container, name string) int {
	return slices.IndexFunc(c.GetVolumeMounts(), func(m *runpb.VolumeMount) bool { return m.GetName() == name })
}

// plainEnv is the variable holding value itself.
func plainEnv(name, value string) *runpb.EnvVar {
	return &runpb.EnvVar{Name: name, Values: &runpb.EnvVar_Value{Value: value}}
}

// secretEnv is the variable referencing a secret's version by number.
func secretEnv(name, secret, version string) *runpb.EnvVar {
	return &runpb.EnvVar{Name: name, Values: &runpb.EnvVar_ValueSource{ValueSource: &runpb.EnvVarSource{
		SecretKeyRef: &runpb.SecretKeySelector{Secret: secret, Version: version}}}}
}

// container picks the container rediskit writes to: the one named, else
// the only one, else the one that serves the port.
func container(t *runpb.RevisionTemplate, s *settings) (*runpb.Container, error) {
	cs := t.GetContainers()
	var names []string
	for _, c := range cs {
		names = append(names, c.GetName())
		if s.container != "" && c.GetName() == s.container {
			return c, nil
		}
	}
	if s.container != "" {
		return nil, &configError{summary: "No such container",
			detail: fmt.Sprintf("Service %s has no container named %q; its containers are %s. Set container to one of them.", s.service, s.container, quoteList(names))}
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	var serving []*runpb.Container
	for _, c := range cs {
		if len(c.GetPorts()) > 0 {
			serving = append(serving, c)
		}
	}
	if len(serving) == 1 {
		return serving[0], nil
	}
	return nil, &configError{summary: "Which container gets the variable?",
		detail: fmt.Sprintf("Service %s has %d containers (%s) and rediskit cannot tell which one is the app. Set container = %q (or another of them) in the target block.",
			s.service, len(cs), quoteList(names), firstOr(names, "web"))}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func firstOr(names []string, def string) string {
	if len(names) > 0 && names[0] != "" {
		return names[0]
	}
	return def
}

// templateOf gives a revision's parts the shape of a template, so that
// ownedOf can read what it held.
func templateOf(r *runpb.Revision) *runpb.RevisionTemplate {
	return &runpb.RevisionTemplate{Containers: r.GetContainers(), Volumes: r.GetVolumes(), VpcAccess: r.GetVpcAccess(),
		ServiceAccount: r.GetServiceAccount()}
}
