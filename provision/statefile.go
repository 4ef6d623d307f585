package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrLineageMismatch is wrapped when a write would replace a state that
// belongs to another project (a different lineage).
var ErrLineageMismatch = errors.New("state belongs to another project")

// FileStore keeps state in one JSON file on the local disk, locked by a lock
// file beside it (see Lock). The zero value is not usable; use NewFileStore.
type FileStore struct {
	path string

	mu   sync.Mutex
	held *heldLock // the lock this store took, nil when it holds none
}

var _ StateStore = (*FileStore)(nil)

// NewFileStore returns a store for the state file at path. Nothing is read or
// created until the first call.
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path}
}

// Describe returns the state file's path.
func (s *FileStore) Describe() string { return s.path }

// Read returns the state in the file, or (nil, nil) when the file does not
// exist. A file that does not decode, or lacks a format version or lineage,
// gives an error wrapping ErrStateCorrupt; a newer format gives one wrapping
// ErrStateTooNew.
func (s *FileStore) Read(ctx context.Context) (*State, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w; check the file's permissions", err)
	}
	return s.decode(data)
}

// decode parses a state file. The version is checked before the full decode
// so that a newer format is reported as such rather than as corruption.
func (s *FileStore) decode(data []byte) (*State, error) {
	var head struct {
		FormatVersion int `json:"format_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, s.corrupt(err.Error())
	}
	if head.FormatVersion > StateFormatVersion {
		return nil, fmt.Errorf("state file %s has format version %d, this rediskit reads up to %d: %w; upgrade rediskit",
			s.path, head.FormatVersion, StateFormatVersion, ErrStateTooNew)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, s.corrupt(err.Error())
	}
	switch {
	case st.FormatVersion < 1:
		return nil, s.corrupt("format_version is missing")
	case st.Lineage == "":
		return nil, s.corrupt("lineage is missing")
	}
	return &st, nil
}

func (s *FileStore) corrupt(why string) error {
	return fmt.Errorf("state file %s: %w (%s); rediskit will not overwrite it: restore it from a backup or version control",
		s.path, ErrStateCorrupt, why)
}

// Write replaces the state file atomically: a reader sees the old or the new
// file, never a mix, even after a crash.
//
// Write owns the serial and format version: it stores st with FormatVersion
// set to StateFormatVersion and Serial set to the serial on disk plus one (1
// for a new file), and on success updates st to match. It first reads the
// file on disk and refuses to replace it when that file is corrupt or too new
// (see Read), or when its lineage differs from st.Lineage (ErrLineageMismatch:
// the file belongs to another project). Callers hold the lock while writing;
// Write does not take it.
func (s *FileStore) Write(ctx context.Context, st *State) error {
	if st == nil || st.Lineage == "" {
		return errors.New("write state: the state has no lineage; this is a bug in rediskit, please report it")
	}
	prev, err := s.Read(ctx)
	if err != nil {
		return fmt.Errorf("refusing to write state: %w", err)
	}
	next := *st
	next.FormatVersion = StateFormatVersion
	next.Serial = 1
	if prev != nil {
		if prev.Lineage != st.Lineage {
			return fmt.Errorf("refusing to write state %s: it has lineage %s, not %s: %w; check the stack's state path",
				s.path, prev.Lineage, st.Lineage, ErrLineageMismatch)
		}
		next.Serial = prev.Serial + 1
	}
	data, err := json.MarshalIndent(&next, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := writeFileAtomic(s.path, append(data, '\n')); err != nil {
		return fmt.Errorf("write state: %w; check the free space and permissions of its folder", err)
	}
	st.FormatVersion, st.Serial = next.FormatVersion, next.Serial
	return nil
}

// writeFileAtomic writes data to a temporary file beside path (mode 0600),
// syncs it, renames it over path and syncs the folder so the rename itself
// survives a crash. The folder is created with mode 0700 when missing.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
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

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
