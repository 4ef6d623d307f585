package dotenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rediskit/rediskit/providers/tlsurl"
)

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

// writeCA writes the CA bundle with mode 0600, replacing the file
// atomically; a file that already holds it is left alone (tlsurl.WriteCAFile).
func (f *envFile) writeCA(pem []byte) error {
	return f.wrapCA("write", tlsurl.WriteCAFile(f.caPath(), pem))
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
