package provision_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// lockedStore returns the path of a state whose lock is held by another
// store, and a function that releases it.
func lockedStore(t *testing.T) (path string, holderID string, release func() error) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "state.json")
	holder := provision.NewFileStore(path)
	id, err := holder.Lock(t.Context(), provision.LockInfo{Operation: "apply"})
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(func() { _ = holder.Unlock(context.Background(), id) })
	return path, id, func() error { return holder.Unlock(context.Background(), id) }
}

func TestLockWithTimeoutWaitsForRelease(t *testing.T) {
	path, holderID, release := lockedStore(t)
	var waits []time.Duration
	released := make(chan error, 1)
	wait := func(held *provision.LockError, next time.Duration) {
		if held.Info.ID != holderID {
			t.Errorf("wait got holder %s; want %s", held.Info.ID, holderID)
		}
		waits = append(waits, next)
		if len(waits) == 3 {
			// Released while the waiter sleeps its third backoff.
			go func() { released <- release() }()
		}
	}
	s := provision.NewFileStore(path)
	// The timeout only bounds a broken run; the lock is released long before.
	id, err := provision.LockWithTimeout(t.Context(), s, provision.LockInfo{Operation: "plan"}, time.Minute, wait)
	if err != nil {
		t.Fatalf("LockWithTimeout: %v", err)
	}
	if len(waits) != 3 {
		t.Fatalf("wait was called %d times; want 3", len(waits))
	}
	if err := <-released; err != nil {
		t.Fatalf("holder Unlock: %v", err)
	}
	if err := s.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	// Backoff doubles from 250ms, each with at most 10% jitter.
	for i, base := range []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second} {
		if waits[i] < base || waits[i] > base+base/10 {
			t.Errorf("wait %d slept %v; want %v plus at most 10%%", i+1, waits[i], base)
		}
	}
}

func TestLockWithTimeoutGivesUp(t *testing.T) {
	path, holderID, _ := lockedStore(t)
	timeout := 50 * time.Millisecond
	calls := 0
	wait := func(_ *provision.LockError, next time.Duration) {
		calls++
		if next > timeout {
			t.Errorf("wait would sleep %v, past the %v timeout", next, timeout)
		}
	}
	_, err := provision.LockWithTimeout(t.Context(), provision.NewFileStore(path), provision.LockInfo{}, timeout, wait)
	var held *provision.LockError
	if !errors.As(err, &held) || held.Info.ID != holderID {
		t.Fatalf("LockWithTimeout: err = %v; want one wrapping the holder's *LockError", err)
	}
	if calls == 0 {
		t.Error("wait was never called")
	}
}

func TestLockWithTimeoutZeroTriesOnce(t *testing.T) {
	path, _, _ := lockedStore(t)
	wait := func(*provision.LockError, time.Duration) { t.Error("wait called with a zero timeout") }
	_, err := provision.LockWithTimeout(t.Context(), provision.NewFileStore(path), provision.LockInfo{}, 0, wait)
	var held *provision.LockError
	if !errors.As(err, &held) {
		t.Fatalf("LockWithTimeout: err = %v; want a *LockError", err)
	}
}

func TestLockWithTimeoutStopsWhenCancelled(t *testing.T) {
	path, _, _ := lockedStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	wait := func(*provision.LockError, time.Duration) { cancel() }
	_, err := provision.LockWithTimeout(ctx, provision.NewFileStore(path), provision.LockInfo{}, time.Hour, wait)
	var held *provision.LockError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &held) {
		t.Fatalf("LockWithTimeout: err = %v; want one wrapping context.Canceled and the *LockError", err)
	}
}

func TestLockWithTimeoutReturnsOtherErrorsAtOnce(t *testing.T) {
	// A state path below a plain file cannot be locked at all.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wait := func(*provision.LockError, time.Duration) { t.Error("wait called for an error that is not a LockError") }
	s := provision.NewFileStore(filepath.Join(file, "state.json"))
	_, err := provision.LockWithTimeout(t.Context(), s, provision.LockInfo{}, time.Hour, wait)
	var held *provision.LockError
	if err == nil || errors.As(err, &held) {
		t.Fatalf("LockWithTimeout: err = %v; want a plain error", err)
	}
}

func TestNewLockInfo(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USER": "alice"}
	info := provision.NewLockInfo("apply", "x/state.json", "v1.0.0", func(k string) string { return env[k] })
	if info.Who != "alice@"+host || info.Host != host || info.PID != os.Getpid() ||
		info.Operation != "apply" || info.Path != "x/state.json" || info.Version != "v1.0.0" || info.JobURL != "" {
		t.Errorf("NewLockInfo = %+v", info)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(info.ID) {
		t.Errorf("ID %q is not 16 hex characters", info.ID)
	}
	if info.Created.Location() != time.UTC || info.Created.Nanosecond() != 0 || info.Created.IsZero() {
		t.Errorf("Created %v is not UTC with whole seconds", info.Created)
	}
	other := provision.NewLockInfo("apply", "x", "", func(string) string { return "" })
	if other.ID == info.ID {
		t.Errorf("two lock infos share the id %s", info.ID)
	}
	if other.Who == "" || other.Who == "@"+host {
		t.Errorf("Who without USER = %q; want the current user", other.Who)
	}
}

func TestNewLockInfoJobURL(t *testing.T) {
	tests := map[string]struct {
		env  map[string]string
		want string
	}{
		"github": {map[string]string{
			"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "acme/app", "GITHUB_RUN_ID": "123",
		}, "https://github.example/acme/app/actions/runs/123"},
		"github default server": {map[string]string{"GITHUB_REPOSITORY": "acme/app", "GITHUB_RUN_ID": "9"},
			"https://github.com/acme/app/actions/runs/9"},
		"gitlab": {map[string]string{"CI_JOB_URL": "https://gitlab.example/acme/app/-/jobs/7"},
			"https://gitlab.example/acme/app/-/jobs/7"},
		"jenkins sets BUILD_ID too": {map[string]string{"BUILD_URL": "https://ci.example/job/app/5/", "BUILD_ID": "5"},
			"https://ci.example/job/app/5/"},
		"cloud build": {map[string]string{"BUILD_ID": "b-1", "PROJECT_ID": "acme-prod"},
			"https://console.cloud.google.com/cloud-build/builds/b-1?project=acme-prod"},
		"cloud build regional": {map[string]string{"BUILD_ID": "b-1", "PROJECT_ID": "acme", "LOCATION": "europe-west1"},
			"https://console.cloud.google.com/cloud-build/builds;region=europe-west1/b-1?project=acme"},
		"cloud build without project": {map[string]string{"BUILD_ID": "b-1"},
			"https://console.cloud.google.com/cloud-build/builds/b-1"},
		"not in ci": {map[string]string{"USER": "bob"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := provision.NewLockInfo("apply", "p", "v", func(k string) string { return tc.env[k] }).JobURL
			if got != tc.want {
				t.Errorf("JobURL = %q; want %q", got, tc.want)
			}
		})
	}
}
