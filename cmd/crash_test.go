package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
)

// crashScenario is one command the crash harness kills at each of its step
// boundaries in turn.
type crashScenario struct {
	name  string
	stack string
	fakes worldFakes
	// setup runs (cleanly) before the command, e.g. the apply a destroy
	// undoes.
	setup [][]string
	// seed, when set, is written into the backend .env points at after
	// setup, and must be in the one it points at afterwards (--copy-data).
	seed bool
	// after runs once setup is done, e.g. to make the next step fail.
	after   func(w *world)
	command []string
	// exit is the command's exit code, clean or rerun after a kill: 1 for
	// a migration that fails and rolls back, with stderr holding failure.
	exit    int
	failure string
	// want is what state must hold for each redis block once the rerun
	// finished: backend type → status. Empty after a destroy.
	want map[string]map[string]string
	// short scenarios also run with -short.
	short bool
}

const crashLocalStack = `redis "channels" {
  provider = "local"
  local {}
}

target "dotenv" "dev" {
  redis = redis.channels
  path  = ".env"
}
`

// crashRenamedStack is crashLocalStack with the dotenv target's variable
// renamed: apply moves the value to CHANNELS_URL.
var crashRenamedStack = strings.Replace(crashLocalStack, `path  = ".env"`, "path  = \".env\"\n  env   = \"CHANNELS_URL\"", 1)

const crashMigrateStack = `redis "channels" {
  provider = "local"

  local {}

  upstash {
    name           = "acme-channels"
    primary_region = "us-central1"
  }
}

target "dotenv" "dev" {
  redis = redis.channels
  path  = ".env"
}
`

// crashCloudRunMigrateStack is the project's story: an app on Cloud Run
// moves from Upstash to Memorystore, with its URL in Secret Manager.
const crashCloudRunMigrateStack = `redis "channels" {
  provider = "upstash"

  upstash {
    name           = "acme-channels"
    primary_region = "us-central1"
  }

  memorystore {
    project  = "acme-prod"
    region   = "us-central1"
    instance = "acme-channels"
    network  = "default"
  }
}

target "cloud_run" "web" {
  redis   = redis.channels
  project = "acme-prod"
  region  = "us-central1"
  service = "acme-web"
  secret  = "acme-redis-url"

  vpc {
    network    = "default"
    subnetwork = "default"
  }
}
`

func crashScenarios(t *testing.T) []crashScenario {
	example := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	apply := []string{"apply", "--auto-approve"}
	destroy := []string{"destroy", "--auto-approve"}
	return []crashScenario{
		{name: "apply-local", stack: crashLocalStack, command: apply, short: true,
			want: map[string]map[string]string{"channels": {"local": "active"}}},
		{name: "destroy-local", stack: crashLocalStack, setup: [][]string{apply}, command: destroy, short: true},
		{name: "rename-dotenv", stack: crashLocalStack, setup: [][]string{apply}, after: func(w *world) { w.setStack(crashRenamedStack) },
			command: apply, short: true, want: map[string]map[string]string{"channels": {"local": "active"}}},
		{name: "apply-upstash", stack: example("upstash.hcl"), fakes: worldFakes{upstash: true}, command: apply,
			want: map[string]map[string]string{"channels": {"upstash": "active"}}},
		{name: "destroy-upstash", stack: example("upstash.hcl"), fakes: worldFakes{upstash: true}, setup: [][]string{apply}, command: destroy},
		{name: "destroy-memorystore", stack: example("memorystore.hcl"), fakes: worldFakes{memorystore: true}, setup: [][]string{apply}, command: destroy},
		{name: "apply-memorystore", stack: example("memorystore.hcl"), fakes: worldFakes{memorystore: true}, command: apply,
			want: map[string]map[string]string{"channels": {"memorystore": "active"}}},
		{name: "migrate-local-upstash", stack: crashMigrateStack, fakes: worldFakes{upstash: true}, setup: [][]string{apply}, seed: true,
			command: []string{"migrate", "--to", "upstash", "--copy-data", "--auto-approve"},
			want:    map[string]map[string]string{"channels": {"upstash": "active", "local": "retained"}}},
		{name: "migrate-back", stack: crashMigrateStack, fakes: worldFakes{upstash: true},
			setup:   [][]string{apply, {"migrate", "--to", "upstash", "--auto-approve"}},
			command: []string{"migrate", "--to", "local", "--auto-approve"},
			want:    map[string]map[string]string{"channels": {"local": "active", "upstash": "retained"}}},
		{name: "migrate-delete-old", stack: crashMigrateStack, fakes: worldFakes{upstash: true}, setup: [][]string{apply},
			command: []string{"migrate", "--to", "upstash", "--delete-old", "--auto-approve"},
			want:    map[string]map[string]string{"channels": {"upstash": "active"}}},
		{name: "apply-cloudrun-upstash", stack: example("cloudrun-upstash.hcl"), fakes: worldFakes{upstash: true, cloudrun: true}, command: apply,
			want: map[string]map[string]string{"channels": {"upstash": "active"}}},
		{name: "destroy-cloudrun-upstash", stack: example("cloudrun-upstash.hcl"), fakes: worldFakes{upstash: true, cloudrun: true},
			setup: [][]string{apply}, command: []string{"destroy", "--delete-secrets", "--auto-approve"}},
		{name: "apply-cloudrun-memorystore", stack: example("cloudrun-memorystore.hcl"), fakes: worldFakes{cloudrun: true}, command: apply,
			want: map[string]map[string]string{"channels": {"memorystore": "active"}}},
		{name: "migrate-cloudrun-upstash-memorystore", stack: crashCloudRunMigrateStack, fakes: worldFakes{upstash: true, cloudrun: true},
			setup:   [][]string{apply},
			command: []string{"migrate", "--to", "memorystore", "--auto-approve"},
			want:    map[string]map[string]string{"channels": {"memorystore": "active", "upstash": "retained"}}},
		// Cloud Run cannot reach the new instance: the new revision fails
		// and the service goes back to Upstash, however often it is killed.
		{name: "migrate-cloudrun-fails", stack: crashCloudRunMigrateStack, fakes: worldFakes{upstash: true, cloudrun: true},
			setup: [][]string{apply}, after: func(w *world) { w.ms.SetUnreachable(true) },
			command: []string{"migrate", "--to", "memorystore", "--auto-approve"},
			exit:    1, failure: "Every target of redis.channels is back on the upstash backend",
			want: map[string]map[string]string{"channels": {"upstash": "active", "memorystore": "standby"}}},
	}
}

// TestCrashAtEveryBoundary kills apply, destroy and migrate with SIGKILL
// at each step boundary the engine reports (REDISKIT_CRASH_AT), reruns the
// same command and checks that the world is whole again: one backend per
// redis block plus the retained ones, state and the fakes agree, every
// target holds a URL that works, and no lock blocks the next run. With
// -short or -race only the local backend's apply and destroy run.
func TestCrashAtEveryBoundary(t *testing.T) {
	var mu sync.Mutex
	covered := map[string]string{}
	t.Cleanup(func() {
		var parts []string
		for _, sc := range crashScenarios(t) {
			if c, ok := covered[sc.name]; ok {
				parts = append(parts, sc.name+" "+c)
			}
		}
		t.Logf("crash harness: step boundaries covered (killed there, rerun, invariants hold) per command: %s", strings.Join(parts, ", "))
	})
	for _, sc := range crashScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && !sc.short {
				t.Skip("the full crash matrix runs without -short and -race")
			}
			t.Parallel()
			labels := sc.countBoundaries(t)
			if len(labels) == 0 {
				t.Fatal("the command reported no step boundary; is the Boundary hook wired?")
			}
			passed := 0
			for k := 1; k <= len(labels); k++ {
				if t.Run(fmt.Sprintf("%02d", k), func(t *testing.T) { sc.crashAt(t, k, labels[:k]) }) {
					passed++
				}
			}
			mu.Lock()
			covered[sc.name] = fmt.Sprintf("%d/%d", passed, len(labels))
			mu.Unlock()
			t.Logf("%s: %d of %d boundaries covered", strings.Join(sc.command, " "), passed, len(labels))
		})
	}
}

// prepare makes a fresh world and runs the setup commands.
func (sc *crashScenario) prepare(t *testing.T) *world {
	w := newWorld(t, t.TempDir(), sc.stack, nil, sc.fakes)
	for _, args := range sc.setup {
		w.must(args...)
	}
	if sc.seed {
		w.seedData()
	}
	if sc.after != nil {
		sc.after(w)
	}
	return w
}

// countBoundaries runs the command cleanly, checks its outcome, and
// returns the labels of its step boundaries.
func (sc *crashScenario) countBoundaries(t *testing.T) []string {
	w := sc.prepare(t)
	count := filepath.Join(t.TempDir(), "boundaries")
	if r := w.run([]string{envCrashCountFile + "=" + count}, sc.command...); r.code != sc.exit || !strings.Contains(r.stderr, sc.failure) {
		t.Fatalf("clean run: exit %d, want %d (%q): %s", r.code, sc.exit, sc.failure, r)
	}
	sc.check(t, w)
	w.close()
	labels := readLines(t, count)
	t.Logf("step boundaries of %s:\n  %s", strings.Join(sc.command, " "), strings.Join(labels, "\n  "))
	return labels
}

// crashAt kills the command at boundary k, reruns it and checks the world.
// want is the clean run's first k boundaries, which the killed run must
// pass the same way.
func (sc *crashScenario) crashAt(t *testing.T, k int, want []string) {
	label := want[k-1]
	t.Logf("killing %s at boundary %d: %s", strings.Join(sc.command, " "), k, label)
	w := sc.prepare(t)
	count := filepath.Join(t.TempDir(), "boundaries")
	r := w.run([]string{envCrashAt + "=" + strconv.Itoa(k), envCrashCountFile + "=" + count}, sc.command...)
	if !r.killed {
		t.Fatalf("REDISKIT_CRASH_AT=%d (%s) did not kill the run: %s", k, label, r)
	}
	seen := readLines(t, count)
	if !slices.Equal(seen, want) {
		t.Fatalf("the run died after boundaries %q, want %q (the boundaries differ from the clean run's)", seen, want)
	}
	if rerun := w.run(nil, sc.command...); rerun.code != sc.exit || !strings.Contains(rerun.stderr, sc.failure) {
		t.Fatalf("killed at %d (%s); the rerun exited %d, want %d (%q): %s", k, label, rerun.code, sc.exit, sc.failure, rerun)
	}
	sc.check(t, w)
}

// check asserts the invariants once the command has finished.
func (sc *crashScenario) check(t *testing.T, w *world) {
	t.Helper()
	w.checkState(sc.want)
	w.checkTargets(len(sc.want) > 0)
	if sc.seed {
		w.checkSeed()
	}
	if _, err := os.Stat(filepath.Join(w.dir, ".rediskit", "state.json.lock")); err == nil {
		t.Error("the state lock file is left behind after a finished run")
	}
	if len(sc.want) > 0 && sc.exit == 0 {
		if r := w.run(nil, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Errorf("a plan after the rerun wants changes: %s", r)
		}
	}
}

func readLines(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// invariantRecorder collects the invariant checks' complaints instead of
// failing the test, to show that they notice a broken world.
type invariantRecorder struct {
	testing.TB
	errs []string
}

func (r *invariantRecorder) Helper() {}
func (r *invariantRecorder) Error(args ...any) {
	r.errs = append(r.errs, fmt.Sprint(args...))
}
func (r *invariantRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestCrashInvariantsCanFail breaks a healthy world in the ways a crash
// could and checks that the harness's invariants say so.
func TestCrashInvariantsCanFail(t *testing.T) {
	w := newWorld(t, t.TempDir(), crashLocalStack, nil, worldFakes{upstash: true})
	w.must("apply", "--auto-approve")
	want := map[string]map[string]string{"channels": {"local": "active"}}
	rec := &invariantRecorder{TB: t}
	w.t = rec
	expect := func(what, complaint string) {
		t.Helper()
		joined := strings.Join(rec.errs, "\n")
		if !strings.Contains(joined, complaint) {
			t.Errorf("%s: the invariants did not notice; they said %q", what, joined)
		}
		rec.errs = nil
	}
	w.checkState(want)
	w.checkTargets(true)
	if len(rec.errs) > 0 {
		t.Fatalf("a healthy world fails the invariants: %q", rec.errs)
	}

	w.checkState(map[string]map[string]string{"channels": {"local": "retained"}})
	expect("another state", "state records")
	if _, err := w.up.AddDatabase(upstashtest.Seed{Name: "orphan"}); err != nil {
		t.Fatal(err)
	}
	w.checkState(want)
	expect("a database state does not know", "Upstash databases")

	env := filepath.Join(w.dir, ".env")
	good, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(env, []byte("REDIS_URL=redis://:wrong@127.0.0.1:1/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.checkTargets(true)
	expect("a target on another URL", "is not the URL of the active local backend")
	if err := os.WriteFile(env, good, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, p := range w.localServers() {
		if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100 && len(w.localServers()) > 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	w.checkState(want)
	expect("a dead server", "0 servers run for the local backend of redis.channels")
	w.checkTargets(true)
	expect("a dead URL", "does not work")
}
