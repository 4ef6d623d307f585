package dotenv

import (
	"bytes"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// caParam is the URL query parameter that names a CA bundle file. redis-py
// (and so channels_redis and Django's cache backend) passes it on as
// ssl_ca_certs; go-redis does not know it (see the package doc).
const caParam = "ssl_ca_certs"

// caPath is the CA bundle file kept beside the env file for its variable:
// ".env" and REDIS_URL give "/abs/dir/.env.REDIS_URL-ca.pem". It is
// absolute, since the app may run from another folder.
func (f *envFile) caPath() string {
	p, err := filepath.Abs(f.path)
	if err != nil {
		p = f.path
	}
	return p + "." + f.env + "-ca.pem"
}

// withCA returns u with the ssl_ca_certs parameter naming caPath. Slashes
// stay readable; everything else a query value cannot hold is escaped.
func withCA(u, caPath string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + caParam + "=" + strings.ReplaceAll(url.QueryEscape(caPath), "%2F", "/")
}

// withoutCA undoes withCA: it returns v without the parameter naming
// caPath, and whether v had it.
func withoutCA(v, caPath string) (string, bool) {
	added := withCA("", caPath) // "?ssl_ca_certs=..."
	for _, sep := range []string{"?", "&"} {
		suffix := sep + added[1:]
		if strings.HasSuffix(v, suffix) {
			return strings.TrimSuffix(v, suffix), true
		}
	}
	return v, false
}

// writeCA writes the CA bundle with mode 0600, replacing the file
// atomically; a file that already holds it is left alone.
func (f *envFile) writeCA(pem []byte) error {
	path := f.caPath()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, pem) {
		return f.wrapCA("set the mode of", os.Chmod(path, fileMode))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".rediskit-*")
	if err != nil {
		return f.wrapCA("write", err)
	}
	err = writeAndClose(tmp, pem)
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return f.wrapCA("write", err)
	}
	return nil
}

// removeCA deletes the CA bundle; a missing one is not an error.
func (f *envFile) removeCA() error {
	err := os.Remove(f.caPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return f.wrapCA("remove", err)
}

func (f *envFile) caExists() bool {
	info, err := os.Stat(f.caPath())
	return err == nil && info.Mode().IsRegular()
}

func (f *envFile) wrapCA(op string, err error) error {
	if err == nil {
		return nil
	}
	ca := &envFile{path: f.caPath(), display: filepath.Base(f.caPath()), env: f.env}
	return ca.wrap(op+" the CA bundle of", err)
}
