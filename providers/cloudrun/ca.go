package cloudrun

import (
	"net/url"
	"path"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"
)

// caParam is the URL query parameter that names a CA bundle file. redis-py
// (and so channels_redis and Django's cache backend) passes it on as
// ssl_ca_certs.
const caParam = "ssl_ca_certs"

// caFile is the bundle's file name inside the mounted folder.
const caFile = "ca.pem"

// caVolumeName names the secret volume that holds the CA bundle of the
// variable's backend, e.g. "rediskit-redis-url-ca".
func caVolumeName(s *settings) string {
	return "rediskit-" + strings.ToLower(strings.ReplaceAll(s.env, "_", "-")) + "-ca"
}

// caMountPath is the folder the bundle is mounted at, a fresh one under
// /etc so that no file of the image is hidden.
func caMountPath(s *settings) string {
	return "/etc/rediskit/" + strings.ToLower(strings.ReplaceAll(s.env, "_", "-"))
}

// caPath is the bundle's absolute path in the container.
func caPath(s *settings) string { return path.Join(caMountPath(s), caFile) }

// caVolume is the secret volume with version of the CA secret, and its
// mount.
func caVolume(s *settings, version string) (*runpb.Volume, *runpb.VolumeMount) {
	v := &runpb.Volume{Name: caVolumeName(s), VolumeType: &runpb.Volume_Secret{Secret: &runpb.SecretVolumeSource{
		Secret: s.caSecret, Items: []*runpb.VersionToPath{{Path: caFile, Version: version}}}}}
	return v, &runpb.VolumeMount{Name: caVolumeName(s), MountPath: caMountPath(s)}
}

// withCA returns u with the ssl_ca_certs parameter naming p.
func withCA(u, p string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + caParam + "=" + strings.ReplaceAll(url.QueryEscape(p), "%2F", "/")
}

// withoutCA undoes withCA: it returns v without the parameter naming p,
// and whether v had it.
func withoutCA(v, p string) (string, bool) {
	added := withCA("", p) // "?ssl_ca_certs=..."
	for _, sep := range []string{"?", "&"} {
		if suffix := sep + added[1:]; strings.HasSuffix(v, suffix) {
			return strings.TrimSuffix(v, suffix), true
		}
	}
	return v, false
}
