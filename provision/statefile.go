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
	"time"

	"github.com/rediskit/rediskit/internal/atomicfile"
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
	return DecodeState(data, "state file "+s.path)
}

// Write replaces the state file atomically: a reader sees the old or the new
// file, never a mix, even after a crash.
//
// Write owns the serial and format version: it stores st with FormatVersion
// set to StateFormatVersion and Serial set to the serial on disk plus one (1
// for a new file), and on success updates st to match. It first reads the
// file on disk and refuses to replace it when that file is corrupt or too new
// (see Read), or when its lineage differs from st.Lineage (ErrLineageMismatch:
// the file belongs to another project). A marker left by MarkMoved counts as
// a state of its lineage and serial, so the same project may write over it
// (`rediskit state migrate` moving the state back). Callers hold the lock
// while writing; Write does not take it.
func (s *FileStore) Write(ctx context.Context, st *State) error {
	if st == nil || st.Lineage == "" {
		return errors.New("write state: the state has no lineage; this is a bug in rediskit, please report it")
	}
	prev, err := ReadForWrite(s.Read(ctx))
	if err != nil {
		return fmt.Errorf("refusing to write state: %w", err)
	}
	next, err := NextState(st, prev, s.path)
	if err != nil {
		return err
	}
	data, err := EncodeState(next)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, data); err != nil {
		return fmt.Errorf("write state: %w; check the free space and permissions of its folder", err)
	}
	st.FormatVersion, st.Serial = next.FormatVersion, next.Serial
	return nil
}

// MarkMoved replaces the state file with a marker saying that the state now
// lives at to (see EncodeMovedMarker), so that a later run against this file
// is refused with a pointer to the new place. by names who moved it. The
// file must hold a readable state. Callers hold the lock.
func (s *FileStore) MarkMoved(ctx context.Context, to, by string) error {
	st, err := s.Read(ctx)
	if err != nil {
		return fmt.Errorf("mark state as moved: %w", err)
	}
	if st == nil {
		return fmt.Errorf("mark state as moved: %s does not exist", s.path)
	}
	data, err := EncodeMovedMarker(st, to, by, time.Now())
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, data); err != nil {
		return fmt.Errorf("mark state as moved: %w; check the free space and permissions of its folder", err)
	}
	return nil
}

// writeFileAtomic writes data to path with mode 0600 through
// atomicfile.Write, creating the folder with mode 0700 when missing.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// ErrStateMoved is wrapped (through *MovedError) when a state location only
// holds the marker `rediskit state migrate` leaves behind.
var ErrStateMoved = errors.New("state was moved")

// MovedError reports a state location whose state `rediskit state migrate`
// moved elsewhere. It wraps ErrStateMoved.
type MovedError struct {
	Where   string // the location read, e.g. "state file /x/.rediskit/state.json"
	To      string // where the state lives now, as that store's Describe()
	By      string // who moved it, e.g. "alice@laptop"
	At      time.Time
	Lineage string
	Serial  int64
}

func (e *MovedError) Error() string {
	return fmt.Sprintf("%s was moved to %s by %s on %s (`rediskit state migrate`); point the stack's state block at %s, "+
		"or, if you changed the state block on purpose, run `rediskit state migrate` to bring the state here",
		e.Where, e.To, e.By, e.At.UTC().Format(time.RFC3339), e.To)
}

func (e *MovedError) Unwrap() error { return ErrStateMoved }

// movedMarker is what a moved state location holds instead of the state.
type movedMarker struct {
	FormatVersion int       `json:"format_version"`
	Lineage       string    `json:"lineage"`
	Serial        int64     `json:"serial"`
	MovedTo       string    `json:"moved_to"`
	MovedBy       string    `json:"moved_by,omitempty"`
	MovedAt       time.Time `json:"moved_at"`
}

// EncodeMovedMarker returns the document that replaces st at its old location
// once `rediskit state migrate` has copied it to to: it keeps st's lineage and
// serial, so that only the same project may later write there again, and
// names the new location so that a run against the old one is refused with a
// pointer to it (see DecodeState).
func EncodeMovedMarker(st *State, to, by string, at time.Time) ([]byte, error) {
	m := movedMarker{FormatVersion: StateFormatVersion, Lineage: st.Lineage, Serial: st.Serial,
		MovedTo: to, MovedBy: by, MovedAt: at.UTC().Truncate(time.Second)}
	data, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode moved marker: %w", err)
	}
	return append(data, '\n'), nil
}

// DecodeState parses a stored state document; where names it in errors
// (e.g. "state file PATH"). The version is checked before the full decode so
// that a newer format is reported as such (ErrStateTooNew) rather than as
// corruption. A document that does not decode, or lacks a format version or
// lineage, gives an error wrapping ErrStateCorrupt; a moved marker gives a
// *MovedError.
func DecodeState(data []byte, where string) (*State, error) {
	var head struct {
		FormatVersion int    `json:"format_version"`
		MovedTo       string `json:"moved_to"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, corrupt(where, err.Error())
	}
	if head.FormatVersion > StateFormatVersion {
		return nil, fmt.Errorf("%s has format version %d, this rediskit reads up to %d: %w; upgrade rediskit",
			where, head.FormatVersion, StateFormatVersion, ErrStateTooNew)
	}
	if head.MovedTo != "" {
		return nil, decodeMoved(data, where)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, corrupt(where, err.Error())
	}
	switch {
	case st.FormatVersion < 1:
		return nil, corrupt(where, "format_version is missing")
	case st.Lineage == "":
		return nil, corrupt(where, "lineage is missing")
	case nullEntry(&st) != "":
		return nil, corrupt(where, nullEntry(&st)+" is null")
	}
	return &st, nil
}

func decodeMoved(data []byte, where string) error {
	var m movedMarker
	if err := json.Unmarshal(data, &m); err != nil {
		return corrupt(where, err.Error())
	}
	if m.Lineage == "" {
		return corrupt(where, "the moved marker has no lineage")
	}
	return &MovedError{Where: where, To: m.MovedTo, By: m.MovedBy, At: m.MovedAt, Lineage: m.Lineage, Serial: m.Serial}
}

func corrupt(where, why string) error {
	return fmt.Errorf("%s: %w (%s); rediskit will not overwrite it: restore it from a backup or version control",
		where, ErrStateCorrupt, why)
}

// EncodeState returns st as the stored JSON document.
func EncodeState(st *State) ([]byte, error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(data, '\n'), nil
}

// ReadForWrite turns the result of a store's Read into the state a Write
// replaces. A moved marker counts as a state with the marker's lineage and
// serial, so `rediskit state migrate` can bring the state back over it; any
// other error is returned as it is.
func ReadForWrite(prev *State, err error) (*State, error) {
	var moved *MovedError
	if errors.As(err, &moved) {
		return &State{FormatVersion: StateFormatVersion, Lineage: moved.Lineage, Serial: moved.Serial}, nil
	}
	return prev, err
}

// NextState returns the state a Write stores in place of prev (nil when
// there is none): a copy of st with FormatVersion set to StateFormatVersion
// and Serial to prev's plus one (1 when prev is nil). It refuses, with an
// error wrapping ErrLineageMismatch, to replace a state of another lineage;
// where names the stored state in that error.
func NextState(st, prev *State, where string) (*State, error) {
	next := *st
	next.FormatVersion = StateFormatVersion
	next.Serial = 1
	if prev != nil {
		if prev.Lineage != st.Lineage {
			return nil, fmt.Errorf("refusing to write state %s: it has lineage %s, not %s: %w; check the stack's state block",
				where, prev.Lineage, st.Lineage, ErrLineageMismatch)
		}
		next.Serial = prev.Serial + 1
	}
	return &next, nil
}
