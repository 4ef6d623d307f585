package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rediskit/rediskit/internal/googletest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/gcsstate/gcstest"
)

// A world is one stack folder with the fakes its stack needs, in which the
// crash, concurrency and secret tests run the real rediskit binary (the
// test binary under the name TestMain registers) as separate processes.
type world struct {
	t      testing.TB
	dir    string
	stack  string
	env    []string
	up     *upstashtest.Server
	google *googletest.Server
	ms     *memorystoretest.Server // google's, with memorystore or cloudrun
	cr     *cloudruntest.Server    // google's, with cloudrun
	gcs    *gcstest.Server
	// stateObject is the state's object in gcsBucket, with gcs.
	stateObject string
}

// worldFakes says which fakes a world starts. With gcs, the stack's state
// block must name bucket gcsBucket. With cloudrun, the example service
// (cloudruntest.AddExample) runs as acme-web in acme-prod, us-central1,
// and a cloud_run target of the stack must be named "web" and write it.
type worldFakes struct{ upstash, memorystore, cloudrun, gcs bool }

// worldService is the Cloud Run service of a world with cloudrun.
const worldService = "projects/acme-prod/locations/us-central1/services/acme-web"

// commandTimeout bounds one rediskit run: far above what any run here
// takes, so that a hang fails the test instead of stalling it.
const commandTimeout = 90 * time.Second

// newWorld makes a world in dir holding stack as stack.hcl (and the files
// in extra), with the fakes asked for. close stops everything it started.
func newWorld(t testing.TB, dir, stack string, extra map[string]string, f worldFakes) *world {
	t.Helper()
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	w := &world{t: t, dir: dir, stack: stack}
	files := map[string]string{"stack.hcl": stack}
	for name, data := range extra {
		files[name] = data
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.env = append(cleanEnviron(), "HOME="+dir, "NO_COLOR=1", "USER=crash-test")
	if f.upstash {
		up, err := upstashtest.NewServer(upstashtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w.up = up
		w.env = append(w.env, "UPSTASH_API_URL="+up.URL, "UPSTASH_EMAIL="+up.Email, "UPSTASH_API_KEY="+up.APIKey, "SSL_CERT_FILE="+up.CAFile)
	}
	if f.memorystore || f.cloudrun {
		if err := w.startGoogle(f.cloudrun); err != nil {
			w.close()
			t.Fatal(err)
		}
	}
	if f.gcs {
		srv, err := gcstest.Start(gcsBucket)
		if err != nil {
			w.close()
			t.Fatal(err)
		}
		w.gcs = srv
		w.stateObject = statePrefix(stack) + "/default.rediskit.json"
		w.env = append(w.env, "STORAGE_EMULATOR_HOST="+srv.Host())
	}
	t.Cleanup(w.close)
	return w
}

// setStack replaces the world's stack.hcl with stack.
func (w *world) setStack(stack string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "stack.hcl"), []byte(stack), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.stack = stack
}

// startGoogle starts the Google endpoint and, with cloudrun, deploys the
// example service, whose image trusts the fake Upstash's CA.
func (w *world) startGoogle(cloudrun bool) error {
	srv, err := googletest.Start(googletest.Options{})
	if err != nil {
		return err
	}
	w.google, w.ms = srv, srv.Memorystore
	w.env = append(w.env, gcp.EnvEndpoint+"="+srv.Addr())
	if !cloudrun {
		return nil
	}
	w.cr = srv.CloudRun
	if w.up != nil {
		pem, err := os.ReadFile(w.up.CAFile)
		if err != nil {
			return err
		}
		w.cr.SetImageRoots(pem)
	}
	_, err = w.cr.AddExample("acme-prod", "us-central1", "acme-web", cloudruntest.ExampleOptions{})
	return err
}

var prefixAttr = regexp.MustCompile(`(?m)^\s*prefix\s*=\s*"([^"]*)"`)

// statePrefix is the prefix a stack's state block names, or the default.
func statePrefix(stack string) string {
	if m := prefixAttr.FindStringSubmatch(stack); m != nil {
		return m[1]
	}
	return provision.DefaultStatePrefix
}

// cleanEnviron is the test's environment without anything that would steer
// rediskit: provider credentials, emulators and the crash hooks.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "REDISKIT_"), strings.HasPrefix(name, "UPSTASH_"),
			name == "SSL_CERT_FILE", name == "STORAGE_EMULATOR_HOST", name == "GOOGLE_APPLICATION_CREDENTIALS",
			name == "HOME", name == "NO_COLOR", name == "USER":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// close kills every process that runs from the world's folder (local
// servers, a run still going) and stops the fakes. It is safe to call twice.
func (w *world) close() {
	for _, p := range worldProcesses(w.dir) {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	if w.up != nil {
		_ = w.up.Close()
	}
	if w.google != nil {
		w.google.Close()
		w.google = nil
	}
	if w.gcs != nil {
		w.gcs.Close()
		w.gcs = nil
	}
}

// runResult is how one rediskit process ended.
type runResult struct {
	args           []string
	stdout, stderr string
	code           int  // exit code; -1 when killed by a signal
	killed         bool // ended by SIGKILL
}

func (r runResult) String() string {
	return fmt.Sprintf("rediskit %s: exit %d (killed=%v)\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.killed, r.stdout, r.stderr)
}

// run runs rediskit with args in the world's folder, with extra
// environment variables.
func (w *world) run(extra []string, args ...string) runResult {
	w.t.Helper()
	bin, err := exec.LookPath("rediskit")
	if err != nil {
		w.t.Fatalf("the test binary is not on PATH as rediskit (TestMain): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = w.dir
	cmd.Env = append(append([]string(nil), w.env...), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	r := runResult{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
	default:
		w.t.Fatalf("run rediskit %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		w.t.Fatalf("rediskit %s did not finish within %s\n%s", strings.Join(args, " "), commandTimeout, r)
	}
	if strings.Contains(r.stderr, "WARNING: DATA RACE") {
		w.t.Errorf("the race detector caught a data race in rediskit:\n%s", r)
	}
	return r
}

// must runs rediskit and fails the test unless it exits 0.
func (w *world) must(args ...string) runResult {
	w.t.Helper()
	r := w.run(nil, args...)
	if r.code != 0 {
		w.t.Fatalf("%s", r)
	}
	return r
}

// state reads the world's state, from the state file or the bucket; nil
// when there is none.
func (w *world) state() *provision.State {
	w.t.Helper()
	if w.gcs != nil {
		data, _, ok := w.gcs.Object(gcsBucket, w.stateObject)
		if !ok {
			return nil
		}
		st, err := provision.DecodeState(data, "the bucket")
		if err != nil {
			w.t.Fatal(err)
		}
		return st
	}
	st, err := provision.NewFileStore(filepath.Join(w.dir, ".rediskit", "state.json")).Read(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// localPassword is the password in redis block name's local config, ""
// when there is none.
func (w *world) localPassword(name string) string {
	conf, err := os.ReadFile(filepath.Join(w.dir, ".rediskit", "local", name, "redis.conf"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if pw, ok := strings.CutPrefix(line, "requirepass "); ok {
			return strings.Trim(strings.TrimSpace(pw), `"`)
		}
	}
	return ""
}

// localDirs lists the redis blocks that have a folder in .rediskit/local.
func (w *world) localDirs() []string {
	entries, _ := os.ReadDir(filepath.Join(w.dir, ".rediskit", "local"))
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// secrets returns every secret the world's backends were given, by what it
// is: local passwords, Upstash passwords and API key, Memorystore AUTH
// strings, and the passwords in the URLs Cloud Run and Secret Manager hold.
func (w *world) secrets() map[string]string {
	s := map[string]string{}
	for _, name := range w.localDirs() {
		if pw := w.localPassword(name); pw != "" {
			s["the local password of redis."+name] = pw
		}
	}
	if w.up != nil {
		s["the UPSTASH_API_KEY"] = w.up.APIKey
		for _, db := range w.up.Databases() {
			s["the Upstash password of "+db.Name] = db.Password
		}
		for what, token := range w.upstashTokens() {
			s[what] = token
		}
	}
	if w.ms != nil {
		for i, a := range w.ms.AuthStrings() {
			s["Memorystore AUTH string #"+strconv.Itoa(i+1)] = a
		}
	}
	if w.cr != nil {
		for i, raw := range w.cr.RedisURLs() {
			if u, err := url.Parse(raw); err == nil {
				if pw, ok := u.User.Password(); ok {
					s["the password of Redis URL #"+strconv.Itoa(i+1)+" Cloud Run holds"] = pw
				}
			}
		}
	}
	return s
}

// proc is a running process.
type proc struct {
	pid     int
	cmdline string // arguments joined by spaces
	cwd     string
}

// worldProcesses lists the live processes (zombies excluded) that work in
// dir or below it, or whose command line names a path there: rediskit runs
// and the local backend's servers (redis-server replaces its command line
// with a title, but works in its data folder).
func worldProcesses(dir string) []proc {
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []proc
	for _, p := range paths {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 {
			continue
		}
		cmdline := strings.TrimRight(strings.ReplaceAll(string(data), "\x00", " "), " ")
		cwd, _ := os.Readlink(filepath.Join(filepath.Dir(p), "cwd"))
		if (within(cwd, dir) || strings.Contains(cmdline, dir+string(filepath.Separator))) && processAlive(pid) {
			out = append(out, proc{pid: pid, cmdline: cmdline, cwd: cwd})
		}
	}
	return out
}

// localServers lists the world's local backend servers: the processes that
// work in a folder of .rediskit/local.
func (w *world) localServers() []proc {
	var out []proc
	for _, p := range worldProcesses(w.dir) {
		if within(p.cwd, filepath.Join(w.dir, ".rediskit", "local")) && p.cwd != filepath.Join(w.dir, ".rediskit", "local") {
			out = append(out, p)
		}
	}
	return out
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}

// upstashTokens returns the REST tokens the fake's API hands out with each
// database, which rediskit receives (and must drop) with the password.
func (w *world) upstashTokens() map[string]string {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.up.URL+"/v2/redis/databases", nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.SetBasicAuth(w.up.Email, w.up.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var dbs []struct {
		Name              string `json:"database_name"`
		RestToken         string `json:"rest_token"`
		ReadOnlyRestToken string `json:"read_only_rest_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&dbs); err != nil {
		w.t.Fatalf("list the fake's databases: %v", err)
	}
	tokens := map[string]string{}
	for _, db := range dbs {
		tokens["the Upstash REST token of "+db.Name] = db.RestToken
		tokens["the Upstash read-only REST token of "+db.Name] = db.ReadOnlyRestToken
	}
	return tokens
}
