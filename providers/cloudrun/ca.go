package cloudrun

import (
	"path"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/providers/tlsurl"
)

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

// withCA returns u with the CA parameters naming p (tlsurl.WithCAFile,
// shared with the dotenv target and `rediskit output`).
func withCA(u, p string) string { return tlsurl.WithCAFile(u, p) }

// withoutCA undoes withCA: it returns v without the parameters naming p,
// and whether v had them.
func withoutCA(v, p string) (string, bool) { return tlsurl.WithoutCAFile(v, p) }
