// Package atomicfile replaces files so that a reader, or a machine that
// crashes, sees the old content or the new one, never a part of either.
// Every file rediskit writes for the user (state, .env, CA bundles, the
// local server's configuration, formatted stack files) goes through it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write makes path hold data with mode perm: it writes a temporary file in
// the same folder, syncs it, renames it over path and syncs the folder, so
// that the rename itself survives a crash. The folder must exist. On error
// path is unchanged and no temporary file is left behind.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".rediskit-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// Chmod before writing: CreateTemp's 0600 may be wider than perm, and
	// the content must never be readable with a wider mode than asked for.
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
