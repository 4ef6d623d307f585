package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/provision"
)

func TestLifecycleRedisServer(t *testing.T) {
	ctx := context.Background()
	b, dir := newBackend(t, os.Getenv("PATH"))
	spec := &local.Spec{Server: "auto"}
	inst := create(t, b, "channels", spec)

	if inst.Status != provision.StatusReady || inst.ID != "local:channels" {
		t.Fatalf("Create: status %q id %q, want ready local:channels", inst.Status, inst.ID)
	}
	if got := inst.Attrs; got["host"] != "127.0.0.1" || got["dir"] != ".rediskit/local/channels" ||
		!strings.HasPrefix(got["server"], "redis-server 7.") || got["port"] == "" {
		t.Fatalf("Attrs = %v", got)
	}
	if want := "redis://:" + password(t, inst) + "@127.0.0.1:" + inst.Attrs["port"] + "/0"; inst.URL != want {
		t.Fatalf("URL = %s, want the redis://:PASSWORD@127.0.0.1:PORT/0 form", provision.MaskURL(inst.URL))
	}
	checkModes(t, instDir(dir, "channels"))
	if err := client(t, inst).Ping(ctx).Err(); err != nil {
		t.Fatalf("go-redis PING over the URL: %v", err)
	}
	checkSecretHidden(t, inst, instDir(dir, "channels"), serverPID(t, dir, "channels"))

	pid := serverPID(t, dir, "channels")
	killHard(t, pid)
	read, err := b.Read(ctx, record("channels"))
	if err != nil {
		t.Fatalf("Read after kill -9: %v", err)
	}
	if read.Status != "stopped" || read.URL != inst.URL {
		t.Fatalf("Read after kill -9: status %q (want stopped), URL same: %v", read.Status, read.URL == inst.URL)
	}
	changes := b.Diff(spec, read)
	if len(changes) != 1 || changes[0] != (provision.AttrChange{Name: "process", Old: "stopped", New: "running", Note: "stopped outside rediskit"}) {
		t.Fatalf("Diff = %+v, want one process change", changes)
	}

	updated, err := b.Update(ctx, record("channels"), spec)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.Status != provision.StatusReady || updated.URL != inst.URL {
		t.Fatalf("Update: status %q, same URL %v; want ready on the same port and password", updated.Status, updated.URL == inst.URL)
	}
	if newPID := serverPID(t, dir, "channels"); newPID == pid || !alive(newPID) {
		t.Fatalf("Update: pid %d (old %d) should be a new live process", newPID, pid)
	}
	if d := b.Diff(spec, updated); len(d) != 0 {
		t.Fatalf("Diff after Update = %+v, want none", d)
	}

	pid = serverPID(t, dir, "channels")
	if err := b.Delete(ctx, record("channels")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	waitFor(t, "server to be reaped", func() bool { return !alive(pid) })
	if _, err := os.Stat(instDir(dir, "channels")); !os.IsNotExist(err) {
		t.Fatalf("folder still there after Delete: %v", err)
	}
	_, err = b.Read(ctx, record("channels"))
	mustNotFound(t, err)
	if err := b.Delete(ctx, record("channels")); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

// checkModes checks the folder is 0700 and the config 0600.
func checkModes(t *testing.T, dir string) {
	t.Helper()
	for path, want := range map[string]os.FileMode{
		dir: 0o700, filepath.Join(dir, "data"): 0o700, filepath.Join(dir, "redis.conf"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

// checkSecretHidden checks the password is in the config but not in the
// process's command line or environment, nor in Attrs.
func checkSecretHidden(t *testing.T, inst *provision.Instance, confDir string, pid int) {
	t.Helper()
	pw := password(t, inst)
	conf, err := os.ReadFile(filepath.Join(confDir, "redis.conf"))
	if err != nil || !strings.Contains(string(conf), "requirepass "+pw+"\n") {
		t.Fatalf("redis.conf should hold the password (err %v)", err)
	}
	for _, f := range []string{"cmdline", "environ"} {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), pw) {
			t.Errorf("password visible in /proc/%d/%s", pid, f)
		}
	}
	for k, v := range inst.Attrs {
		if strings.Contains(v, pw) {
			t.Errorf("password in Attrs[%q]", k)
		}
	}
}
