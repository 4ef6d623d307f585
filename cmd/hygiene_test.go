package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// hygieneStack is a stack the secret scan runs every command on.
type hygieneStack struct {
	name  string
	files map[string]string // stack.hcl and the files beside it
	fakes worldFakes
	// more are commands to run after the first apply (migrate, prune).
	more [][]string
	// strict stacks must pass every command; the scripts' stacks are run
	// for what they print, some on purpose fail.
	strict bool
}

// TestNoSecretLeaks runs every command on every example (and on one stack
// of each shape the scripts use) against the fakes, with and without
// --json, and looks for every secret the fakes and the local backend
// issued in everything rediskit leaves where others may look: stdout,
// stderr, the state, plan files, the local servers' logs and the command
// lines of the processes it started. Only `output --reveal` may show one.
func TestNoSecretLeaks(t *testing.T) {
	for _, hs := range hygieneStacks(t) {
		t.Run(hs.name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && !hs.strict {
				t.Skip("the scripts' stacks are scanned without -short and -race")
			}
			t.Parallel()
			hs.scan(t)
		})
	}
}

func hygieneStacks(t *testing.T) []hygieneStack {
	example := func(name string) map[string]string {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"stack.hcl": string(data), ".env": "DEBUG=1\n"}
	}
	stacks := []hygieneStack{
		{name: "example-local", files: example("local.hcl"), strict: true},
		{name: "example-upstash", files: example("upstash.hcl"), fakes: worldFakes{upstash: true}, strict: true},
		{name: "example-memorystore", files: example("memorystore.hcl"), fakes: worldFakes{memorystore: true}, strict: true},
		{name: "example-cloudrun-upstash", files: example("cloudrun-upstash.hcl"), fakes: worldFakes{upstash: true, cloudrun: true}, strict: true},
		{name: "example-cloudrun-memorystore", files: example("cloudrun-memorystore.hcl"), fakes: worldFakes{cloudrun: true}, strict: true},
		{name: "migrate-cloudrun", files: map[string]string{"stack.hcl": crashCloudRunMigrateStack}, fakes: worldFakes{upstash: true, cloudrun: true}, strict: true,
			more: [][]string{{"migrate", "--to", "memorystore", "--auto-approve"}, {"migrate", "--to", "upstash", "--auto-approve"}, {"prune", "--auto-approve"}}},
		{name: "embedded", files: map[string]string{"stack.hcl": strings.Replace(crashLocalStack, "local {}", "local {\n    server = \"embedded\"\n  }", 1)}, fakes: worldFakes{upstash: true}, strict: true},
		{name: "migrate", files: map[string]string{"stack.hcl": crashMigrateStack}, fakes: worldFakes{upstash: true}, strict: true,
			more: [][]string{{"migrate", "--to", "upstash", "--copy-data", "--auto-approve"}, {"migrate", "--to", "local", "--auto-approve"}, {"prune", "--auto-approve"}}},
	}
	return append(stacks, scriptStacks(t)...)
}

// scriptStacks returns, for each shape of stack the scripts use (which
// backends and targets, which state backend, which server), the first
// script's stack of that shape with the files beside it. Stacks with a
// cloud_run target are covered by the examples and the migrate-cloudrun
// stack above, which the world's Cloud Run fake serves.
func scriptStacks(t *testing.T) []hygieneStack {
	paths, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	var out []hygieneStack
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, f := range ar.Files {
			if !strings.HasPrefix(f.Name, "bin/") { // slow wrappers around redis-server
				files[f.Name] = string(f.Data)
			}
		}
		stack, ok := files["stack.hcl"]
		if !ok || strings.Contains(stack, `"cloud_run"`) {
			continue
		}
		shape := stackShape(stack)
		if seen[shape] {
			continue
		}
		seen[shape] = true
		out = append(out, hygieneStack{
			name:  "script-" + strings.TrimSuffix(filepath.Base(p), ".txtar"),
			files: files,
			fakes: worldFakes{upstash: strings.Contains(stack, "upstash"), memorystore: strings.Contains(stack, "memorystore"),
				gcs: strings.Contains(stack, `"gcs"`)},
		})
	}
	return out
}

// stackShape names what a stack is made of: its blocks and attributes,
// and the values that choose behaviour (provider, server, state backend,
// auth, TLS), ignoring names, regions and sizes.
func stackShape(stack string) string {
	var parts []string
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		fields := strings.Fields(strings.ReplaceAll(line, "=", " = "))
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "provider", "server", "backend", "auth", "transit_encryption", "target":
			parts = append(parts, strings.Join(fields, " "))
		default:
			parts = append(parts, fields[0])
		}
	}
	sort.Strings(parts)
	return strings.Join(slices.Compact(parts), ";")
}

// secretScan gathers the secrets a world issued and the text rediskit
// left, to look for the one in the other at the end.
type secretScan struct {
	w       *world
	secrets map[string]string // secret → what it is
	texts   map[string]string // where → text
	n       int
}

func (hs hygieneStack) scan(t *testing.T) {
	w := newWorld(t, t.TempDir(), hs.files["stack.hcl"], hs.files, hs.fakes)
	s := &secretScan{w: w, secrets: map[string]string{}, texts: map[string]string{}}
	applied := false
	for _, mode := range [][]string{nil, {"--json"}} {
		cmds := [][]string{{"validate"}, {"plan"}, {"plan", "--out", "create.plan"}, {"apply", "create.plan"},
			{"verify"}, {"output"}, {"state", "list"}, {"cost"}, {"apply", "--auto-approve"}}
		cmds = append(cmds, hs.more...)
		cmds = append(cmds, []string{"plan", "--destroy", "--out", "destroy.plan"}, []string{"apply", "destroy.plan"},
			[]string{"apply", "--auto-approve"}, []string{"destroy", "--auto-approve"})
		for _, args := range cmds {
			r := s.run(t, hs.strict, append(slices.Clone(args), mode...))
			if args[0] == "apply" && r.code == 0 && !applied && s.anySecret() {
				applied = true
				s.checkModes(t)
				s.checkReveal(t)
			}
			if args[0] == "state" {
				for _, addr := range stateAddresses(w) {
					s.run(t, hs.strict, append([]string{"state", "show", addr}, mode...))
				}
			}
		}
	}
	if hs.strict && !applied {
		t.Fatal("no apply succeeded, so no secret was issued and the scan proves nothing")
	}
	t.Logf("%d commands, %d secrets, %d texts scanned (applied: %v)", s.n, len(s.secrets), len(s.texts), applied)
	s.check(t)
}

// run runs one command and records what it printed and what it left.
func (s *secretScan) run(t *testing.T, strict bool, args []string) runResult {
	t.Helper()
	r := s.w.run(nil, args...)
	s.n++
	if strict && r.code != 0 {
		t.Errorf("%s", r)
	}
	name := strings.Join(args, " ")
	s.texts["stdout of "+name] += r.stdout
	s.texts["stderr of "+name] += r.stderr
	s.collect(name)
	return r
}

// collect adds the secrets that exist now, and snapshots the files and
// command lines where one must never appear.
func (s *secretScan) collect(after string) {
	for what, secret := range s.w.secrets() {
		s.secrets[secret] = what
	}
	read := func(where, path string) {
		if data, err := os.ReadFile(path); err == nil {
			s.texts[where+" after "+after] = string(data)
		}
	}
	read("state", filepath.Join(s.w.dir, ".rediskit", "state.json"))
	for _, plan := range []string{"create.plan", "destroy.plan"} {
		read(plan, filepath.Join(s.w.dir, plan))
	}
	logs, _ := filepath.Glob(filepath.Join(s.w.dir, ".rediskit", "local", "*", "redis.log"))
	for _, l := range logs {
		read(strings.TrimPrefix(l, s.w.dir+"/"), l)
	}
	for _, p := range worldProcesses(s.w.dir) {
		s.texts[fmt.Sprintf("the command line of process %d after %s", p.pid, after)] = p.cmdline
		if env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.pid)); err == nil {
			s.texts[fmt.Sprintf("the environment of process %d (%s) after %s", p.pid, p.cmdline, after)] = string(env)
		}
	}
	if s.w.gcs != nil {
		if data, _, ok := s.w.gcs.Object(gcsBucket, s.w.stateObject); ok {
			s.texts["state in the bucket after "+after] = string(data)
		}
	}
}

func (s *secretScan) anySecret() bool { return len(s.w.secrets()) > 0 }

// check fails for every secret found in any text.
func (s *secretScan) check(t *testing.T) {
	t.Helper()
	wheres := make([]string, 0, len(s.texts))
	for where := range s.texts {
		wheres = append(wheres, where)
	}
	sort.Strings(wheres)
	for _, where := range wheres {
		for secret, what := range s.secrets {
			if secret != "" && strings.Contains(s.texts[where], secret) {
				t.Errorf("%s contains %s", where, what)
			}
		}
	}
}

// checkReveal shows that the scan would notice: `output --reveal` prints
// the active backend's password, which no other output may.
func (s *secretScan) checkReveal(t *testing.T) {
	t.Helper()
	r := s.w.run(nil, "output", "--reveal")
	found := false
	for _, secret := range s.w.secrets() {
		found = found || strings.Contains(r.stdout, secret)
	}
	if r.code != 0 || !found {
		t.Errorf("output --reveal shows no password the scan knows of:\n%s", r)
	}
}

// checkModes asserts that the files holding or leading to secrets are
// readable by their owner only.
func (s *secretScan) checkModes(t *testing.T) {
	t.Helper()
	want := map[string]os.FileMode{}
	if s.w.gcs == nil {
		want[filepath.Join(".rediskit", "state.json")] = 0o600
	}
	if _, err := os.Stat(filepath.Join(s.w.dir, ".env")); err == nil && strings.Contains(s.w.stack, `target "dotenv"`) {
		want[".env"] = 0o600
	}
	for _, name := range s.w.localDirs() {
		dir := filepath.Join(".rediskit", "local", name)
		want[dir] = 0o700 | os.ModeDir
		want[filepath.Join(dir, "redis.conf")] = 0o600
		want[filepath.Join(dir, "data")] = 0o700 | os.ModeDir
	}
	cas, _ := filepath.Glob(filepath.Join(s.w.dir, ".env.*-ca.pem")) // the dotenv target's CA bundles
	for _, ca := range cas {
		want[filepath.Base(ca)] = 0o600
	}
	for rel, mode := range want {
		info, err := os.Stat(filepath.Join(s.w.dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if got := info.Mode() & (os.ModePerm | os.ModeDir); got != mode {
			t.Errorf("%s has mode %v, want %v", rel, got, mode)
		}
	}
}

// stateAddresses lists what `state show` accepts for the world's state.
func stateAddresses(w *world) []string {
	st := w.state()
	if st == nil {
		return nil
	}
	var addrs []string
	for _, rs := range st.Redis {
		for _, bs := range rs.Backends {
			addrs = append(addrs, "redis."+rs.Name+"."+bs.Type)
		}
	}
	for _, ts := range st.Targets {
		addrs = append(addrs, ts.Address())
	}
	return addrs
}
