package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// heldLock is a lock this FileStore took: the open lock file carries the
// flock, so it stays open until Unlock.
type heldLock struct {
	id string
	f  *os.File
}

// lockPath is the lock file beside the state file.
func (s *FileStore) lockPath() string { return s.path + ".lock" }

// Lock takes an exclusive flock(2) on the lock file beside the state file and
// records info in it. The kernel drops a flock when its holder exits, so a
// crashed run never blocks the next one; a lock file left behind is simply
// taken over. When another process (or another FileStore in this process)
// holds the lock, Lock returns a *LockError with the holder's info at once.
//
// Lock fills in info.ID (a random id), Path, PID and Created when empty. The
// lock lives in an open file of this store: keep the store reachable until
// Unlock, since a collected store closes the file and so drops the lock.
func (s *FileStore) Lock(ctx context.Context, info LockInfo) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	info = s.completeInfo(info)
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return "", fmt.Errorf("lock state: %w; check the folder's permissions", err)
	}
	f, locked, err := openLocked(s.lockPath(), true)
	if err != nil {
		return "", fmt.Errorf("lock state: %w; check the folder's permissions", err)
	}
	if !locked {
		defer f.Close()
		return "", s.heldBy(ctx, f)
	}
	if err := writeLockInfo(f, info); err != nil {
		_ = s.release(f)
		return "", fmt.Errorf("lock state: record lock info: %w; check free space", err)
	}
	s.mu.Lock()
	s.held = &heldLock{id: info.ID, f: f}
	s.mu.Unlock()
	return info.ID, nil
}

func (s *FileStore) completeInfo(info LockInfo) LockInfo {
	if info.ID == "" {
		info.ID = newLockID()
	}
	if info.Path == "" {
		info.Path = s.path
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Created.IsZero() {
		info.Created = time.Now().UTC().Truncate(time.Second)
	}
	return info
}

// heldBy describes the holder of the lock on f as a *LockError. The holder
// writes its info just after taking the flock, so an empty or partial file is
// read again a few times before giving up on it.
func (s *FileStore) heldBy(ctx context.Context, f *os.File) error {
	info, err := readLockInfo(ctx, f, 5)
	if err != nil {
		return &LockError{
			Info: LockInfo{Path: s.path, Who: "unknown", Host: "unknown"},
			Err:  fmt.Errorf("lock file %s is unreadable: %w", s.lockPath(), err),
		}
	}
	return &LockError{Info: info}
}

// Unlock releases the lock this store took with id. Otherwise it recovers a
// lock left by another process: when the lock file records id and no process
// holds its flock any more, the file is removed. A lock still held by a live
// process, an id that does not match the recorded one, or no lock file at all
// is an error.
func (s *FileStore) Unlock(ctx context.Context, id string) error {
	s.mu.Lock()
	h := s.held
	if h != nil && h.id == id {
		s.held = nil
	}
	s.mu.Unlock()
	if h != nil && h.id == id {
		return s.release(h.f)
	}
	return s.recoverLock(ctx, id)
}

func (s *FileStore) recoverLock(ctx context.Context, id string) error {
	f, locked, err := openLocked(s.lockPath(), false)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("state %s is not locked; there is nothing to unlock", s.path)
	}
	if err != nil {
		return fmt.Errorf("unlock state: %w; check the folder's permissions", err)
	}
	info, err := readLockInfo(ctx, f, 5)
	switch {
	case err != nil:
		_ = f.Close()
		return fmt.Errorf("unlock state: lock file %s is unreadable (%w); if no rediskit is running, delete it", s.lockPath(), err)
	case info.ID != id:
		_ = f.Close()
		return fmt.Errorf("cannot unlock state %s: it is locked with id %s, not %s; check the id, then run `rediskit state unlock %s`",
			s.path, info.ID, id, info.ID)
	case !locked:
		_ = f.Close()
		return fmt.Errorf("cannot unlock state %s: lock %s is still held by process %d on %s (%s for %q); stop that process first or let it finish",
			s.path, info.ID, info.PID, info.Host, info.Who, info.Operation)
	}
	return s.release(f)
}

// release removes the lock file, if it is still the one f refers to, then
// closes f, which drops the flock. Removing first means a process that opens
// the path afterwards gets a new file rather than one about to vanish.
func (s *FileStore) release(f *os.File) error {
	var rmErr error
	if sameFile(f, s.lockPath()) {
		rmErr = os.Remove(s.lockPath())
	}
	closeErr := f.Close()
	if rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		return fmt.Errorf("lock released, but %w; delete the file by hand", rmErr)
	}
	return closeErr
}

// openLocked opens the lock file and tries to flock it without waiting. It
// reports locked=false, with the file open, when someone else holds the
// flock. A lock file removed by its holder between our open and flock is no
// lock at all, so that case starts over with the file now at path.
func openLocked(path string, create bool) (f *os.File, locked bool, err error) {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	for range 10 {
		f, err := os.OpenFile(path, flags, 0o600)
		if err != nil {
			return nil, false, err
		}
		err = flockNB(f)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return f, false, nil
		}
		if err != nil {
			_ = f.Close()
			return nil, false, fmt.Errorf("flock %s: %w", path, err)
		}
		if sameFile(f, path) {
			return f, true, nil
		}
		_ = f.Close()
	}
	return nil, false, fmt.Errorf("lock file %s keeps being replaced while locking it", path)
}

func flockNB(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

func writeLockInfo(f *os.File, info LockInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(append(data, '\n'), 0); err != nil {
		return err
	}
	return f.Sync()
}

func readLockInfo(ctx context.Context, f *os.File, attempts int) (LockInfo, error) {
	for i := 1; ; i++ {
		var info LockInfo
		data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
		if err == nil {
			err = json.Unmarshal(data, &info)
		}
		if err == nil || i >= attempts {
			return info, err
		}
		select {
		case <-ctx.Done():
			return info, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
