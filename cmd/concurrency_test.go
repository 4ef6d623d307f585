package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gatedRedisServer starts the real redis-server only once the file GATE
// exists, so that the apply that starts it holds the state lock for exactly
// as long as the test wants. (The server gets no environment from
// rediskit, hence the path in the script.)
const gatedRedisServer = `#!/bin/sh
case "$1" in --version|-v) exec /usr/bin/redis-server "$@";; esac
while [ ! -e GATE ]; do sleep 0.05; done
exec /usr/bin/redis-server "$@"
`

const concurrentLocalStack = `redis "channels" {
  provider = "local"
  local {
    server = "redis-server"
  }
}

target "dotenv" "dev" {
  redis = redis.channels
  path  = ".env"
}
`

const concurrentGCSStack = `state {
  backend = "gcs"
  bucket  = "rediskit-state"
  prefix  = "app"
}

` + concurrentLocalStack

// TestConcurrentApplies starts two applies of the same stack at the same
// moment, on local state and on state in a (fake) bucket: exactly one
// runs, the other exits 3 at once naming the holder of the lock, and the
// state the winner leaves is whole, with nothing left locked.
func TestConcurrentApplies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stack string
		fakes worldFakes
		lock  func(w *world) bool // whether the lock is still held
	}{
		{name: "local", stack: concurrentLocalStack, lock: func(w *world) bool {
			_, err := os.Stat(filepath.Join(w.dir, ".rediskit", "state.json.lock"))
			return err == nil
		}},
		{name: "gcs", stack: concurrentGCSStack, fakes: worldFakes{gcs: true}, lock: func(w *world) bool {
			_, _, ok := w.gcs.Object(gcsBucket, "app/default.rediskit.lock")
			return ok
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			gate := filepath.Join(dir, "gate")
			server := strings.Replace(gatedRedisServer, "GATE", "'"+gate+"'", 1)
			w := newWorld(t, dir, tc.stack, map[string]string{"bin/redis-server": server}, tc.fakes)
			if err := os.Chmod(filepath.Join(w.dir, "bin", "redis-server"), 0o755); err != nil {
				t.Fatal(err)
			}
			env := []string{"PATH=" + filepath.Join(w.dir, "bin") + ":" + os.Getenv("PATH")}

			results := make(chan runResult, 2)
			var start, done sync.WaitGroup
			start.Add(1)
			for range 2 {
				done.Go(func() {
					start.Wait()
					results <- w.run(env, "apply", "--auto-approve")
				})
			}
			start.Done()
			// The loser fails at once; the winner waits at the gate, holding
			// the lock, until the loser has told who holds it.
			loser := <-results
			if err := os.WriteFile(gate, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			done.Wait()
			winner := <-results

			t.Logf("refused: %s", strings.TrimSpace(loser.stderr))
			if loser.code != 3 {
				t.Fatalf("the second apply should exit 3 while the first holds the lock:\n%s\nthe other:\n%s", loser, winner)
			}
			for _, want := range []string{"is locked by crash-test@", `for "apply"`, "rediskit state unlock "} {
				if !strings.Contains(loser.stderr, want) {
					t.Errorf("the refused apply does not say %q:\n%s", want, loser.stderr)
				}
			}
			if strings.Contains(loser.stdout, "Creating") {
				t.Errorf("the refused apply changed something:\n%s", loser.stdout)
			}
			if winner.code != 0 || !strings.Contains(winner.stdout, "Apply complete! 1 created") {
				t.Fatalf("the apply holding the lock did not finish its work:\n%s", winner)
			}
			w.checkState(map[string]map[string]string{"channels": {"local": "active"}})
			w.checkTargets(true)
			if tc.lock(w) {
				t.Error("the lock is still held after both runs ended")
			}
			if st := w.state(); st == nil || st.Serial < 1 {
				t.Errorf("state was not written: %+v", st)
			}
			// The loser lost nothing: the next run has nothing left to do.
			if r := w.run(env, "plan", "--detailed-exitcode"); r.code != 0 {
				t.Errorf("a plan after both runs wants changes:\n%s", r)
			}
		})
	}
}
