package dotenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rediskit/rediskit/provision"
)

var _ provision.Mover = (*Target)(nil)

// MovesInOneChange reports whether from and to name the same file: the
// value then moves to its new variable in one atomic write of that file.
// Between two files the new one is written first.
func (t *Target) MovesInOneChange(from, to provision.TargetAttrs) bool {
	a, errA := t.newEnvFile(context.Background(), from)
	b, errB := t.newEnvFile(context.Background(), to)
	return errA == nil && errB == nil && a.path == b.path
}

// move writes the value into f and removes it from the variable
// conn.Previous names. In the same file that is one atomic write, so a
// reader sees the old variable or the new one, never both or neither. In
// another file, f is written first and the old file changed only then; when
// that fails, f is put back as it was. Either way a failed move leaves both
// files as they were (a CA bundle it wrote for the new variable included).
func (t *Target) move(ctx context.Context, f *envFile, conn provision.Connection) error {
	old, err := t.newEnvFile(ctx, conn.Previous)
	if err != nil {
		return err
	}
	value, undoCA, err := f.value(conn)
	if err != nil {
		return err
	}
	switch {
	case old.path == f.path && old.env == f.env:
		err = f.set(value) // the same place, written another way
	case old.path == f.path:
		err = f.rename(old, value)
	default:
		err = f.moveFrom(old, value)
	}
	if err != nil {
		undoCA()
		return err
	}
	if err := f.dropCA(conn); err != nil {
		return err
	}
	if old.caPath() == f.caPath() {
		return nil
	}
	if err := old.removeCA(); err != nil {
		return fmt.Errorf("%s in %s now holds the value and %s no longer does, but: %w", f.env, f.display, old.env, err)
	}
	return nil
}

// rename sets f's variable to value and removes old's, in the same file,
// with one write.
func (f *envFile) rename(old *envFile, value string) error {
	src, info, err := f.load()
	if err != nil {
		return err
	}
	return f.store(src, info, Set(Unset(src, old.env), f.env, value))
}

// moveFrom sets f's variable to value, then removes old's variable from its
// own file. When that fails, f gets back its content and mode.
func (f *envFile) moveFrom(old *envFile, value string) error {
	src, info, err := f.load()
	if err != nil {
		return err
	}
	oldSrc, oldInfo, err := old.load()
	if err != nil {
		return err
	}
	if err := f.store(src, info, Set(src, f.env, value)); err != nil {
		return err
	}
	out := Unset(oldSrc, old.env)
	if oldInfo == nil || bytes.Equal(out, oldSrc) {
		return nil
	}
	if err := old.replace(out); err != nil {
		if rerr := f.restore(src, info); rerr != nil {
			return fmt.Errorf("%w; putting %s back as it was also failed: %w; remove %s from it by hand", err, f.display, rerr, f.env)
		}
		return fmt.Errorf("%w; %s was put back as it was, so nothing changed", err, f.display)
	}
	return nil
}

// restore puts back the file's content src and mode from info, or removes
// the file when info is nil (it did not exist).
func (f *envFile) restore(src []byte, info fs.FileInfo) error {
	if info == nil {
		err := os.Remove(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return f.wrap("remove", err)
	}
	if err := f.replace(src); err != nil {
		return err
	}
	return f.wrap("set the mode of", os.Chmod(f.path, info.Mode().Perm()))
}
