package tlsurl

import (
	"bytes"
	"os"
	"path/filepath"
)

// fileMode is the CA bundle's mode: only the user who runs rediskit (and
// the app) reads it.
const fileMode = 0o600

// WriteCAFile makes path hold pem with mode 0600, replacing it atomically
// (a reader sees the old bundle or the new one, never part of either). A
// file that already holds pem is left alone but for its mode. The folder
// must exist.
func WriteCAFile(path string, pem []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, pem) {
		return os.Chmod(path, fileMode)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".rediskit-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(pem)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
