package local_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/provision"
)

// newBackend returns a backend over a fresh stack folder. path is the PATH
// the backend sees ("" hides redis-server).
func newBackend(t *testing.T, path string) (*local.Backend, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := provision.Env{
		Dir:        dir,
		Executable: exe,
		Getenv: func(k string) string {
			if k == "PATH" {
				return path
			}
			return ""
		},
	}
	return local.New(env), dir
}

// create makes instance name and deletes it when the test ends, so a failing
// test leaves no server behind.
func create(t *testing.T, b *local.Backend, name string, spec *local.Spec) *provision.Instance {
	t.Helper()
	spec.Name = name
	t.Cleanup(func() { _ = b.Delete(context.Background(), record(name)) })
	inst, err := b.Create(context.Background(), provision.CreateRequest{Name: name, Spec: spec})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return inst
}

func record(name string) provision.Record {
	return provision.Record{Name: name, ID: "local:" + name}
}

// instDir is the instance folder of name below the stack folder dir.
func instDir(dir, name string) string { return filepath.Join(dir, ".rediskit", "local", name) }

// serverPID reads the pid file of name.
func serverPID(t *testing.T, dir, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(instDir(dir, name), "redis.pid"))
	if err != nil {
		t.Fatalf("read pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// alive reports whether pid exists and has not finished exiting (a zombie
// has).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// killHard sends SIGKILL and waits (bounded) until the process is gone.
func killHard(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	waitFor(t, "process to die", func() bool { return !alive(pid) })
}

// waitFor polls cond for up to 10s; it bounds a wait, it asserts no timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// client connects to inst's URL with go-redis, as verification will.
func client(t *testing.T, inst *provision.Instance) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(inst.URL)
	if err != nil {
		t.Fatalf("go-redis cannot parse the URL %s: %v", provision.MaskURL(inst.URL), err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// password takes the password out of inst's URL.
func password(t *testing.T, inst *provision.Instance) string {
	t.Helper()
	u, err := url.Parse(inst.URL)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || len(pw) != 64 {
		t.Fatalf("URL %s: want a 64-hex-digit password", provision.MaskURL(inst.URL))
	}
	return pw
}

func mustNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, provision.ErrNotFound) {
		t.Fatalf("want an error wrapping ErrNotFound, got %v", err)
	}
}
