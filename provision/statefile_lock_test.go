package provision_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

// lockHolderEnv makes the test binary, re-executed by startLockHolder, take
// the lock on the state file it names and hold it until killed.
const lockHolderEnv = "REDISKIT_TEST_LOCK_HOLDER"

// TestLockHolderProcess is not a test: it is the child process started by
// startLockHolder, and returns at once in a normal test run.
func TestLockHolderProcess(t *testing.T) {
	path := os.Getenv(lockHolderEnv)
	if path == "" {
		return
	}
	s := provision.NewFileStore(path)
	info := provision.NewLockInfo("apply", path, "test", os.Getenv)
	id, err := s.Lock(t.Context(), info)
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("LOCKED %s\n", id)
	// Hold the lock until killed; the parent never closes stdin.
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startLockHolder starts a process that takes the lock on path and returns
// its PID, its lock id and a function that kills it.
func startLockHolder(t *testing.T, path string) (pid int, id string, kill func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHolderProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockHolderEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start lock holder: %v", err)
	}
	killed := false
	kill = func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = stdin.Close()
		}
	}
	t.Cleanup(kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "LOCKED ")
	if err != nil || !ok {
		t.Fatalf("lock holder said %q (%v); want LOCKED <id>", line, err)
	}
	return cmd.Process.Pid, id, kill
}

func TestFileStoreLockHeldByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	pid, childID, kill := startLockHolder(t, path)
	s := provision.NewFileStore(path)

	_, err := s.Lock(t.Context(), provision.NewLockInfo("plan", path, "test", os.Getenv))
	var held *provision.LockError
	if !errors.As(err, &held) {
		t.Fatalf("Lock while another process holds it: err = %v; want a *LockError", err)
	}
	host, _ := os.Hostname()
	if held.Info.PID != pid || held.Info.ID != childID || held.Info.Host != host || held.Info.Operation != "apply" {
		t.Errorf("LockError.Info = %+v; want pid %d, id %s, host %s, operation apply", held.Info, pid, childID, host)
	}

	// A killed holder leaves its lock file, but not its lock.
	kill()
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatalf("the killed holder's lock file: %v; want it left behind", err)
	}
	id, err := s.Lock(t.Context(), provision.NewLockInfo("plan", path, "test", os.Getenv))
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v; want the lock free", err)
	}
	if err := s.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func TestFileStoreUnlockRecoversOnlyDeadHolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	pid, childID, kill := startLockHolder(t, path)
	s := provision.NewFileStore(path)
	host, _ := os.Hostname()

	err := s.Unlock(t.Context(), childID)
	if err == nil {
		t.Fatal("Unlock of a lock held by a live process succeeded; want an error")
	}
	for _, want := range []string{strconv.Itoa(pid), host, "stop that process"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Unlock error %q does not mention %q", err, want)
		}
	}
	var lockErr *provision.LockError
	if _, err := s.Lock(t.Context(), provision.LockInfo{}); !errors.As(err, &lockErr) {
		t.Fatalf("after the refused Unlock, Lock: err = %v; want the lock still held", err)
	}

	kill()
	if err := s.Unlock(t.Context(), "ffffffffffffffff"); err == nil || !strings.Contains(err.Error(), childID) {
		t.Errorf("Unlock of the dead holder's lock with a wrong id: err = %v; want one naming %s", err, childID)
	}
	if err := s.Unlock(t.Context(), childID); err != nil {
		t.Fatalf("Unlock of the dead holder's lock: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after recovering it: %v; want it removed", err)
	}
}

func TestFileStoreUnlockWithoutLock(t *testing.T) {
	s := provision.NewFileStore(filepath.Join(t.TempDir(), "state.json"))
	err := s.Unlock(t.Context(), "0123456789abcdef")
	if err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("Unlock with no lock: err = %v; want one saying the state is not locked", err)
	}
}

func TestFileStoreLockTakesOverStaleLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	// Left by a process that crashed while writing its info.
	if err := os.WriteFile(path+".lock", []byte(`{"id": "dead`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := provision.NewFileStore(path)
	id, err := s.Lock(t.Context(), provision.LockInfo{Operation: "apply"})
	if err != nil {
		t.Fatalf("Lock over a stale lock file: %v", err)
	}
	_, err = provision.NewFileStore(path).Lock(t.Context(), provision.LockInfo{})
	var held *provision.LockError
	if !errors.As(err, &held) || held.Info.ID != id || held.Info.Operation != "apply" || held.Info.PID != os.Getpid() {
		t.Fatalf("second Lock: err = %v; want a *LockError with id %s, operation apply and this pid", err, id)
	}
	if err := s.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

// TestFileStoreLockIsExclusive races stores that lock and unlock the same
// state: however their open, flock and remove calls interleave, no two may
// hold the lock at once, and the lock file always names the holder.
func TestFileStoreLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var holders, taken atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := provision.NewFileStore(path)
			for range 150 {
				id := lockSpinning(t, s)
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d stores hold the lock at once", n)
				}
				if got := lockFileID(path); got != id {
					t.Errorf("holder %s finds the lock file naming %q", id, got)
				}
				taken.Add(1)
				holders.Add(-1)
				if err := s.Unlock(context.Background(), id); err != nil {
					t.Errorf("Unlock: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := taken.Load(); got != 600 {
		t.Errorf("the lock was taken %d times; want 600", got)
	}
}

// lockSpinning retries Lock until it succeeds.
func lockSpinning(t *testing.T, s *provision.FileStore) string {
	for {
		id, err := s.Lock(context.Background(), provision.LockInfo{Operation: "race"})
		var held *provision.LockError
		if errors.As(err, &held) {
			runtime.Gosched()
			continue
		}
		if err != nil {
			t.Errorf("Lock: %v", err)
		}
		return id
	}
}

// lockFileID returns the id recorded in the lock file beside the state.
func lockFileID(statePath string) string {
	data, err := os.ReadFile(statePath + ".lock")
	if err != nil {
		return err.Error()
	}
	var info provision.LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return err.Error()
	}
	return info.ID
}
