package dotenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/rediskit/rediskit/providers/tlsurl"
	"github.com/rediskit/rediskit/provision"
)

// fileMode is the mode of a written .env file: it holds a password.
const fileMode = 0o600

// Read returns the variable's value in the file and whether it is set. A
// missing file, or a missing folder, sets nothing.
func (t *Target) Read(ctx context.Context, attrs provision.TargetAttrs) (string, bool, error) {
	f, err := t.newEnvFile(ctx, attrs)
	if err != nil {
		return "", false, err
	}
	src, _, err := f.load()
	if err != nil {
		return "", false, err
	}
	value, set := Lookup(src, f.env)
	// The CA parameter Write added is stripped only while its file is
	// there: a missing bundle is drift that the next apply repairs.
	if stripped, ok := tlsurl.WithoutCAFile(value, f.caPath()); ok && f.caExists() {
		value = stripped
	}
	return value, set, nil
}

// Write sets the variable to conn.URL, creating the file when it is missing (its
// folder must exist). It changes no other line, replaces the file atomically
// and leaves it with mode 0600. Writing the value already there rewrites
// nothing, but still tightens the file's mode.
//
// With conn.CACert, the CA bundle is written first, beside the file (see
// caPath, mode 0600, atomically), and the URL gets the parameters of
// tlsurl.WithCAFile, which name the bundle's absolute path; without it, a
// bundle left by an earlier Write is removed once the URL no longer names
// it.
//
// With conn.Previous, Write moves the value (see move.go).
func (t *Target) Write(ctx context.Context, attrs provision.TargetAttrs, conn provision.Connection) error {
	f, err := t.newEnvFile(ctx, attrs)
	if err != nil {
		return err
	}
	if conn.Previous != nil {
		return t.move(ctx, f, conn)
	}
	value, _, err := f.value(conn)
	if err != nil {
		return err
	}
	if err := f.set(value); err != nil {
		return err
	}
	return f.dropCA(conn)
}

// value writes the CA bundle conn needs, if any, and returns what the
// variable is to hold. undo removes a bundle that was not there before.
func (f *envFile) value(conn provision.Connection) (value string, undo func(), err error) {
	if len(conn.CACert) == 0 {
		return conn.URL, func() {}, nil
	}
	existed := f.caExists()
	if err := f.writeCA(conn.CACert); err != nil {
		return "", nil, err
	}
	undo = func() {
		if !existed {
			_ = f.removeCA() // best effort: the file stays as it was either way
		}
	}
	return tlsurl.WithCAFile(conn.URL, f.caPath()), undo, nil
}

// dropCA removes a bundle an earlier Write left once the URL no longer
// names one.
func (f *envFile) dropCA(conn provision.Connection) error {
	if len(conn.CACert) == 0 {
		return f.removeCA()
	}
	return nil
}

// set sets the variable to value.
func (f *envFile) set(value string) error {
	src, info, err := f.load()
	if err != nil {
		return err
	}
	return f.store(src, info, Set(src, f.env, value))
}

// store writes out in place of src, the file's content, whose information
// is info (nil for a missing file). Content already there is not
// rewritten; only the mode is tightened.
func (f *envFile) store(src []byte, info fs.FileInfo, out []byte) error {
	if info != nil && bytes.Equal(out, src) {
		if info.Mode().Perm() == fileMode {
			return nil
		}
		return f.wrap("set the mode of", os.Chmod(f.path, fileMode))
	}
	return f.replace(out)
}

// Remove deletes the lines that set the variable, and the variable's CA
// bundle, and keeps every other line. A missing file or an unset variable
// is not an error.
func (t *Target) Remove(ctx context.Context, attrs provision.TargetAttrs) error {
	f, err := t.newEnvFile(ctx, attrs)
	if err != nil {
		return err
	}
	src, info, err := f.load()
	if err != nil {
		return err
	}
	if out := Unset(src, f.env); info != nil && !bytes.Equal(out, src) {
		if err := f.replace(out); err != nil {
			return err
		}
	}
	return f.removeCA()
}

// envFile is the file and variable one call works on.
type envFile struct {
	path, display, env string
}

// newEnvFile checks attrs, which come from Decode or from state.
func (t *Target) newEnvFile(ctx context.Context, attrs provision.TargetAttrs) (*envFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := &envFile{path: attrs[AttrPath], display: attrs[AttrPath], env: attrs[AttrEnv]}
	if f.path == "" || !ValidName(f.env) {
		return nil, fmt.Errorf("dotenv target: incomplete settings (path %q, env %q); "+
			"run `rediskit validate` and check the target block", f.display, f.env)
	}
	if !filepath.IsAbs(f.path) {
		f.path = filepath.Join(t.dir, f.path)
	}
	// Edit the file a symbolic link points to rather than replace the link.
	if resolved, err := filepath.EvalSymlinks(f.path); err == nil {
		f.path = resolved
	}
	return f, nil
}

// load returns the file's content and information, or nil information when
// the file or its folder does not exist.
func (f *envFile) load() ([]byte, fs.FileInfo, error) {
	file, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, f.wrap("read", err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, f.wrap("read", err)
	}
	src, err := io.ReadAll(file)
	if err != nil {
		return nil, nil, f.wrap("read", err)
	}
	return src, info, nil
}

// replace writes content to a temporary file in the same folder and renames
// it over the file, so that a reader sees the old file or the new one, never
// a part of either.
func (f *envFile) replace(content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".rediskit-*")
	if err != nil {
		return f.wrap("write", err)
	}
	err = writeAndClose(tmp, content)
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return f.wrap("write", err)
	}
	return nil
}

// writeAndClose fills tmp, which os.CreateTemp made with mode 0600.
func writeAndClose(tmp *os.File, content []byte) error {
	_, err := tmp.Write(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// wrap adds to err what failed and what the user can do about it. The
// error never holds the value: it may be a URL with a password.
func (f *envFile) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	hint := "check that the file and its folder can be read and written by this user"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		hint = fmt.Sprintf("create the folder %s or change the dotenv target's path", filepath.Dir(f.display))
	case errors.Is(err, syscall.ENOTDIR):
		hint = "a part of the path is a file, not a folder: change the dotenv target's path"
	case errors.Is(err, syscall.EISDIR):
		hint = "the path is a folder: set the dotenv target's path to the .env file inside it"
	case errors.Is(err, fs.ErrPermission):
		hint = "make the file and its folder writable by this user, or change the dotenv target's path"
	}
	return fmt.Errorf("%s %s in %s: %w; %s", op, f.env, f.display, err, hint)
}
