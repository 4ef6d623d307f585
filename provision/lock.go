package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net/url"
	"os"
	"os/user"
	"time"
)

// Backoff between lock attempts: it starts short so a lock released soon is
// taken soon, and is capped so a long wait still notices a release quickly.
const (
	lockBackoffStart = 250 * time.Millisecond
	lockBackoffMax   = 4 * time.Second
)

// LockWithTimeout takes s's lock, waiting up to timeout for another holder to
// release it. With timeout <= 0 it tries once. Otherwise it retries while Lock
// returns a *LockError, with exponential backoff (250ms doubling to 4s, plus a
// little jitter so that waiting runs do not retry in step), until the lock is
// taken, timeout has passed or ctx ends. Before each sleep it calls wait, when
// not nil, with the current holder and the sleep ahead, so a CLI can show
// progress.
//
// On timeout or cancellation the error wraps the last *LockError, so
// errors.As still finds the holder; on cancellation it also wraps ctx.Err().
// Errors other than *LockError are returned at once.
func LockWithTimeout(ctx context.Context, s StateStore, info LockInfo, timeout time.Duration,
	wait func(held *LockError, next time.Duration)) (string, error) {
	deadline := time.Now().Add(timeout)
	delay := lockBackoffStart
	for {
		id, err := s.Lock(ctx, info)
		var held *LockError
		if err == nil || timeout <= 0 || !errors.As(err, &held) {
			return id, err
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return "", fmt.Errorf("gave up waiting %s for the state lock: %w", timeout, err)
		}
		next := min(withJitter(delay), remaining)
		if wait != nil {
			wait(held, next)
		}
		if err2 := Sleep(ctx, next); err2 != nil {
			return "", fmt.Errorf("stopped waiting for the state lock (%w): %w", err2, err)
		}
		delay = min(delay*2, lockBackoffMax)
	}
}

// withJitter adds up to 10% to d.
func withJitter(d time.Duration) time.Duration {
	return d + mathrand.N(d/10+1)
}

// Sleep waits d or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewLockInfo describes this process taking a lock for operation (e.g.
// "apply") on the state at path: a random ID, Who as user@host, Host, PID,
// Created (UTC, whole seconds), Version and, when running in CI, JobURL.
//
// JobURL is read through getenv from, in order: GitHub Actions
// (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID), GitLab (CI_JOB_URL),
// Jenkins and others (BUILD_URL), and Cloud Build (BUILD_ID, PROJECT_ID,
// LOCATION). Cloud Build passes those only as substitutions, so a build step
// must export them itself: env: ['BUILD_ID=$BUILD_ID', 'PROJECT_ID=$PROJECT_ID',
// 'LOCATION=$LOCATION'].
func NewLockInfo(operation, path, version string, getenv func(string) string) LockInfo {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return LockInfo{
		ID:        newLockID(),
		Operation: operation,
		Who:       username(getenv) + "@" + host,
		Host:      host,
		PID:       os.Getpid(),
		JobURL:    ciJobURL(getenv),
		Version:   version,
		Created:   time.Now().UTC().Truncate(time.Second),
		Path:      path,
	}
}

// newLockID returns 16 random hex characters.
func newLockID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func username(getenv func(string) string) string {
	for _, v := range []string{"USER", "USERNAME"} {
		if name := getenv(v); name != "" {
			return name
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// ciJobURL returns a link to the CI job this process runs in, or "".
func ciJobURL(getenv func(string) string) string {
	if repo, run := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"); repo != "" && run != "" {
		server := getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + repo + "/actions/runs/" + url.PathEscape(run)
	}
	if u := getenv("CI_JOB_URL"); u != "" {
		return u
	}
	// BUILD_URL before BUILD_ID: Jenkins sets both, and its BUILD_ID is not
	// a Cloud Build id.
	if u := getenv("BUILD_URL"); u != "" {
		return u
	}
	if id := getenv("BUILD_ID"); id != "" {
		return cloudBuildURL(id, getenv("PROJECT_ID"), getenv("LOCATION"))
	}
	return ""
}

func cloudBuildURL(id, project, location string) string {
	u := "https://console.cloud.google.com/cloud-build/builds"
	if location != "" && location != "global" {
		u += ";region=" + url.PathEscape(location)
	}
	u += "/" + url.PathEscape(id)
	if project != "" {
		u += "?project=" + url.QueryEscape(project)
	}
	return u
}
