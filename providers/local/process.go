package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bounds of waiting for a server to come up and to go away.
const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	pollEvery    = 50 * time.Millisecond
	logTailLines = 15
)

// process is a server rediskit has just started.
type process struct {
	pid    int
	exited <-chan error // receives once the process ends
	logOff int64        // size of redis.log before the start
}

// start launches the server for p in its own session, so that it outlives
// rediskit and a Ctrl-C in the terminal does not reach it. The config is the
// only argument the server gets: the password never shows in the process
// table.
func (b *Backend) start(p paths, kind string) (*process, error) {
	bin, args, err := b.command(p, kind)
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s/redis.log: %w; check that the folder is writable", p.rel, err)
	}
	defer logf.Close()
	off, _ := logf.Seek(0, io.SeekEnd)
	cmd := exec.Command(bin, args...)
	cmd.Dir = p.data
	cmd.Env = b.serverEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s for redis.%s: %w; check that it runs (`%s --version`)", kindLabel(kind), p.name, err, bin)
	}
	// Write the pid file at once (the server rewrites it with the same pid)
	// so that an interrupted start can still be found and stopped.
	if err := os.WriteFile(p.pid, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("write %s/redis.pid: %w; check that the folder is writable", p.rel, err)
	}
	// Waiting reaps the server if it ends while rediskit still runs (no
	// zombie) and tells waitReady at once when it dies at start. When
	// rediskit exits first, the server is re-parented and keeps running.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return &process{pid: cmd.Process.Pid, exited: exited, logOff: off}, nil
}

// serverEnv is the environment a server starts with: not rediskit's own,
// which may hold provider credentials (UPSTASH_API_KEY) that a server
// outliving rediskit has no business keeping.
func (b *Backend) serverEnv() []string {
	var env []string
	for _, name := range []string{"PATH", "TMPDIR", "TZ", "LANG", "LC_ALL"} {
		if v := b.env.Getenv(name); v != "" {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// command returns the program and arguments that run kind with p's config.
func (b *Backend) command(p paths, kind string) (string, []string, error) {
	if kind == serverEmbedded {
		if b.env.Executable == "" {
			return "", nil, fmt.Errorf("cannot start the embedded server for redis.%s: rediskit's own path is unknown; install redis-server (`apt-get install redis-server`) and set server = \"redis-server\"", p.name)
		}
		return b.env.Executable, []string{"internal", "embedded-redis", p.conf}, nil
	}
	bin, ok := b.lookPath(serverRedis)
	if !ok {
		return "", nil, errNoRedisServer(p.name)
	}
	return bin, []string{p.conf}, nil
}

func errNoRedisServer(name string) error {
	return fmt.Errorf("redis-server is not installed (not found on PATH); install it (`apt-get install redis-server`) or set server = \"embedded\" in the local block of redis.%s", name)
}

// waitReady waits until the server answers PING with AUTH, it exits, ctx
// ends or startTimeout passes.
func waitReady(ctx context.Context, proc *process, port int, password string) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if ping(ctx, port, password) == nil {
			return nil
		}
		select {
		case err := <-proc.exited:
			return &exitedError{err: err}
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return errNotReady
		case <-tick.C:
		}
	}
}

var errNotReady = errors.New("did not answer PING within " + startTimeout.String())

// exitedError is a server that ended before it answered.
type exitedError struct{ err error }

func (e *exitedError) Error() string {
	if e.err == nil {
		return "exited at start"
	}
	return "exited at start (" + e.err.Error() + ")"
}

// findServer returns the pid in p's pid file when that process is still our
// server, else 0. A stale pid file (the server was killed, the pid reused)
// yields 0.
func findServer(p paths) int {
	data, err := os.ReadFile(p.pid)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 || !isOurServer(pid, p) {
		return 0
	}
	return pid
}

// stop ends our server at pid: SIGTERM, then SIGKILL if it lingers. It checks
// identity before each signal so that a reused pid is never signalled.
func stop(ctx context.Context, p paths, pid int) error {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if !isOurServer(pid, p) {
			break
		}
		if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop the server of redis.%s (pid %d): %w; stop it by hand and retry", p.name, pid, err)
		}
		if waitGone(ctx, pid) {
			break
		}
	}
	if !processGone(pid) && isOurServer(pid, p) {
		return fmt.Errorf("the server of redis.%s (pid %d) did not stop; run `kill -9 %d` and retry", p.name, pid, pid)
	}
	if err := os.Remove(p.pid); err != nil && !isNotExist(err) {
		return fmt.Errorf("remove %s/redis.pid: %w", p.rel, err)
	}
	return nil
}

// waitGone polls until pid has exited, up to stopTimeout.
func waitGone(ctx context.Context, pid int) bool {
	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !processGone(pid) {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}

// logTail returns the last lines the server logged since offset (the whole
// log's end when it logged nothing new), indented, with the password masked
// in case the server echoed a config line.
func logTail(p paths, offset int64, password string) string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return "  (no log: " + err.Error() + ")"
	}
	if offset > 0 && offset < int64(len(data)) {
		data = data[offset:]
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	out := "  " + strings.Join(lines, "\n  ")
	if password != "" {
		out = strings.ReplaceAll(out, password, "****")
	}
	return out
}

func kindLabel(kind string) string {
	if kind == serverEmbedded {
		return "the embedded server"
	}
	return "redis-server"
}
