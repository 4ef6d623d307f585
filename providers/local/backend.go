package local

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// Backend manages local Redis servers below the stack's folder. It is safe
// for concurrent use; each method works on the one folder of its redis block.
type Backend struct {
	env provision.Env

	mu       sync.Mutex
	versions map[string]string // redis-server path → "redis-server 7.0.15"
}

var _ provision.Backend = (*Backend)(nil)

// New returns the local backend for the stack in env.Dir. env.Executable is
// the rediskit binary, started as the embedded server when needed.
func New(env provision.Env) *Backend {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	return &Backend{env: env, versions: map[string]string{}}
}

// Type returns "local", the block name in stacks.
func (b *Backend) Type() string { return "local" }

// Describe names the server a spec will run, for plans, e.g.
// "redis-server 7.0.15 on 127.0.0.1" or
// "embedded miniredis on 127.0.0.1 (redis-server not found)".
func (b *Backend) Describe(spec provision.Spec) string {
	s := specOf(spec)
	where := "127.0.0.1"
	if s.Port != 0 {
		where += ":" + itoa(s.Port)
	}
	bin, found := b.lookPath(serverRedis)
	switch {
	case s.Server == serverEmbedded:
		return "embedded miniredis on " + where
	case found:
		return b.version(bin) + " on " + where
	case s.Server == serverRedis:
		return "redis-server on " + where + " (not found: `apt-get install redis-server`)"
	default:
		return "embedded miniredis on " + where + " (redis-server not found)"
	}
}

// lookPath finds an executable on the PATH of the backend's environment, so
// that tests and users can steer the "auto" choice through PATH.
func (b *Backend) lookPath(name string) (string, bool) {
	for _, dir := range filepath.SplitList(b.env.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// version returns "redis-server X.Y.Z" for the binary at bin, asking it once
// per process; "redis-server" when it cannot tell.
func (b *Backend) version(bin string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.versions[bin]; ok {
		return v
	}
	v := "redis-server"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil {
		v = parseVersion(string(out))
	}
	b.versions[bin] = v
	return v
}

// parseVersion turns "Redis server v=7.0.15 sha=..." into "redis-server 7.0.15".
func parseVersion(out string) string {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok && v != "" {
			return "redis-server " + v
		}
	}
	return "redis-server"
}
