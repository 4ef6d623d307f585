package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rediskit/rediskit/provision"
	"github.com/rogpeppe/go-internal/testscript"
)

func scriptSetup(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("NO_COLOR", "")
	// Every local Redis a script starts is stopped when it ends, even when
	// the script fails before its destroy.
	env.Defer(func() { stopLocalServers(env.WorkDir) })
	return nil
}

func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	google := newGoogleFakes()
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"killredis":   cmdKillRedis,
		"pidalive":    cmdPidAlive,
		"savepid":     cmdSavePid,
		"nosecret":    cmdNoSecret,
		"holdport":    cmdHoldPort,
		"holdlock":    cmdHoldLock,
		"jsonlines":   cmdJSONLines,
		"exitcode":    cmdExitCode,
		"redisfill":   cmdRedisFill,
		"redissame":   cmdRedisSame,
		"memorystore": newMemorystoreCmd(google),
		"cloudrun":    newCloudRunCmd(google),
		"upstash":     cmdUpstash,
		"gcs":         cmdGCS,
		"redispy":     cmdRedisPy,
		"djangolayer": cmdDjangoLayer,
		"rediscli":    cmdRedisCLI,
	}
}

// localDir is where the local backend keeps redis block NAME's files.
func localDir(ts *testscript.TestScript, name string) string {
	return ts.MkAbs(filepath.Join(".rediskit", "local", name))
}

func readPid(ts *testscript.TestScript, name string) int {
	b, err := os.ReadFile(filepath.Join(localDir(ts, name), "redis.pid"))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	ts.Check(err)
	return pid
}

// killredis NAME: SIGKILL the local backend's server, as a crash would.
func cmdKillRedis(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: killredis NAME")
	}
	pid := readPid(ts, args[0])
	ts.Check(syscall.Kill(pid, syscall.SIGKILL))
	for i := 0; i < 100 && processAlive(pid); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// savepid NAME VAR: store the local server's pid in $VAR.
func cmdSavePid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: savepid NAME VAR")
	}
	ts.Setenv(args[1], strconv.Itoa(readPid(ts, args[0])))
}

// pidalive PID: succeed when the process runs (and is not a zombie).
func cmdPidAlive(ts *testscript.TestScript, neg bool, args []string) {
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	alive := false
	for i := 0; i < 100; i++ {
		if alive = processAlive(pid); alive != neg {
			break
		}
		time.Sleep(20 * time.Millisecond) // a stopping server takes a moment
	}
	if alive == neg {
		ts.Fatalf("process %d alive=%v", pid, alive)
	}
}

func processAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat))
	return len(fields) > 2 && fields[2] != "Z"
}

// nosecret NAME FILE...: the local password of redis block NAME appears in
// none of the files (stdout and stderr name the last command's output).
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: nosecret NAME FILE...")
	}
	pw := localPassword(ts, args[0])
	for _, f := range args[1:] {
		if strings.Contains(ts.ReadFile(f), pw) {
			ts.Fatalf("%s contains the password of redis.%s", f, args[0])
		}
	}
}

func localPassword(ts *testscript.TestScript, name string) string {
	conf := ts.ReadFile(filepath.Join(localDir(ts, name), "redis.conf"))
	for _, line := range strings.Split(conf, "\n") {
		if pw, ok := strings.CutPrefix(line, "requirepass "); ok {
			return strings.Trim(strings.TrimSpace(pw), `"`)
		}
	}
	ts.Fatalf("no requirepass in the config of redis.%s", name)
	return ""
}

// holdport VAR: listen on a free loopback port until the script ends and
// put its number in $VAR.
func cmdHoldPort(ts *testscript.TestScript, neg bool, args []string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	ts.Setenv(args[0], strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
}

// holdlock STATEFILE: take the state lock from another process's point of
// view (a separate open file) until the script ends.
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	store := provision.NewFileStore(ts.MkAbs(args[0]))
	info := provision.NewLockInfo("apply", args[0], "test", func(k string) string {
		return map[string]string{"USER": "alice"}[k]
	})
	id, err := store.Lock(context.Background(), info)
	ts.Check(err)
	ts.Setenv("LOCK_ID", id)
	ts.Defer(func() { _ = store.Unlock(context.Background(), id) })
}

// exitcode N PROG ARGS...: run PROG like exec and require exit status N.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// jsonlines FILE: every line is an event of the documented stream
// (docs/json-output.schema.json): the first a version message, each of a
// documented type with its required fields, of the right JSON kinds, and no
// field the schema does not list.
func cmdJSONLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: jsonlines FILE")
	}
	schema, err := loadEventSchema()
	ts.Check(err)
	lines := bytes.Split(bytes.TrimSpace([]byte(ts.ReadFile(args[0]))), []byte("\n"))
	for i, line := range lines {
		if errs := schema.validateEvent(line); len(errs) > 0 {
			ts.Fatalf("line %d does not match the documented stream:\n  %s\n%s", i+1, strings.Join(errs, "\n  "), line)
		}
		var m map[string]any
		ts.Check(json.Unmarshal(line, &m))
		if i == 0 && m["type"] != "version" {
			ts.Fatalf("first line is %v, not version", m["type"])
		}
	}
}

// stopLocalServers kills servers left by a failed script.
func stopLocalServers(work string) {
	pids, _ := filepath.Glob(filepath.Join(work, "*", ".rediskit", "local", "*", "redis.pid"))
	more, _ := filepath.Glob(filepath.Join(work, ".rediskit", "local", "*", "redis.pid"))
	for _, p := range append(pids, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
