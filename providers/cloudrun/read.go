package cloudrun

import (
	"context"

	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/provision"
)

// Read returns the variable's value in the service's template (what new
// instances get), reading the secret version when the variable references
// one, and whether it is set. The ssl_ca_certs parameter Write adds is
// taken off while the CA volume it names is mounted: a missing volume is
// drift the next apply repairs. A missing service wraps
// provision.ErrNotFound.
func (t *Target) Read(ctx context.Context, attrs provision.TargetAttrs) (string, bool, error) {
	s, err := settingsOf(attrs)
	if err != nil {
		return "", false, err
	}
	api, err := t.api(ctx)
	if err != nil {
		return "", false, err
	}
	svc, err := api.get(ctx, s)
	if err != nil {
		return "", false, err
	}
	c, err := container(svc.GetTemplate(), s)
	if err != nil {
		return "", false, err
	}
	o := ownedOf(svc.GetTemplate(), c, s)
	if o.env == nil {
		return "", false, nil
	}
	value, err := api.value(ctx, s, o.env)
	if err != nil {
		return "", false, err
	}
	if stripped, ok := withoutCA(value, caPath(s)); ok && caMounted(o, s) {
		value = stripped
	}
	return value, true, nil
}

// value is what an app gets from ev: its value, or the secret version it
// references.
func (c *clients) value(ctx context.Context, s *settings, ev *runpb.EnvVar) (string, error) {
	ref := ev.GetValueSource().GetSecretKeyRef()
	if ref == nil {
		return ev.GetValue(), nil
	}
	version := ref.GetVersion()
	if version == "" {
		version = "latest"
	}
	b, err := c.access(ctx, s.secretOf(ref.GetSecret()), version)
	return string(b), err
}

// caMounted reports whether o has the CA volume and mount Write makes.
func caMounted(o owned, s *settings) bool {
	return o.volume.GetSecret() != nil && o.mount.GetMountPath() == caMountPath(s)
}
