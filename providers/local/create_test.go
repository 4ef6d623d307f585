package local_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/provision"
)

func TestCreateTwiceReusesServerAndPassword(t *testing.T) {
	b, dir := newBackend(t, os.Getenv("PATH"))
	first := create(t, b, "channels", &local.Spec{Server: "auto"})
	pid := serverPID(t, dir, "channels")

	again := create(t, b, "channels", &local.Spec{Server: "auto"})
	if again.URL != first.URL || serverPID(t, dir, "channels") != pid || !alive(pid) {
		t.Fatalf("second Create: same URL %v, pid %d → %d; want the same server",
			again.URL == first.URL, pid, serverPID(t, dir, "channels"))
	}
}

func TestCreateAfterInterruptedStartKeepsPassword(t *testing.T) {
	b, dir := newBackend(t, os.Getenv("PATH"))
	first := create(t, b, "channels", &local.Spec{Server: "auto"})
	// An earlier attempt wrote the folder and config, then its server died.
	killHard(t, serverPID(t, dir, "channels"))

	again := create(t, b, "channels", &local.Spec{Server: "auto"})
	if again.URL != first.URL || again.Status != provision.StatusReady {
		t.Fatalf("Create after an interrupted attempt: status %q, same URL %v", again.Status, again.URL == first.URL)
	}
	if err := client(t, again).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
}

func TestCreateConfiguredPortInUse(t *testing.T) {
	b, dir := newBackend(t, os.Getenv("PATH"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = b.Create(context.Background(), provision.CreateRequest{
		Name: "channels", Spec: &local.Spec{Name: "channels", Port: port, Server: "auto"},
	})
	want := "port " + strconv.Itoa(port) + " on 127.0.0.1 is already in use by another process; set another `port` in the local block of redis.channels"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Create on a busy port: %v\nwant it to contain %q", err, want)
	}
	if _, err := os.Stat(instDir(dir, "channels")); !os.IsNotExist(err) {
		t.Fatalf("a failed Create left its folder (nothing should run): %v", err)
	}
}

func TestCreateServerExitsAtStart(t *testing.T) {
	b, dir := newBackend(t, os.Getenv("PATH"))
	secret := "s3cr3t-test-password-0123456789"
	folder := instDir(dir, "broken")
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	// A config left by an earlier attempt, with a directive Redis refuses;
	// Redis echoes the bad line, which here holds the password.
	conf := "requirepass " + secret + "\nbogus-directive " + secret + "\n"
	if err := os.WriteFile(filepath.Join(folder, "redis.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(context.Background(), record("broken")) })

	_, err := b.Create(context.Background(), provision.CreateRequest{
		Name: "broken", Spec: &local.Spec{Name: "broken", Server: "redis-server"},
	})
	if err == nil {
		t.Fatal("Create with a bad config succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"redis-server for redis.broken exited at start", "last lines of .rediskit/local/broken/redis.log",
		"Bad directive", "bogus-directive ****", "run `rediskit apply` again"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, secret) {
		t.Errorf("error shows the password:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(folder, "redis.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left after a failed start: %v", err)
	}
	inst, err := b.Read(context.Background(), record("broken"))
	if err != nil || inst.Status != "stopped" {
		t.Fatalf("Read after a failed start: %v, %v; want stopped", inst, err)
	}
}

func TestStalePIDFileIsNotOurs(t *testing.T) {
	b, dir := newBackend(t, os.Getenv("PATH"))
	create(t, b, "channels", &local.Spec{Server: "auto"})
	killHard(t, serverPID(t, dir, "channels"))
	// The pid was reused by an unrelated process: this test.
	pidFile := filepath.Join(instDir(dir, "channels"), "redis.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	inst, err := b.Read(context.Background(), record("channels"))
	if err != nil || inst.Status != "stopped" {
		t.Fatalf("Read with a reused pid: %v, %v; want stopped", inst, err)
	}
	if err := b.Delete(context.Background(), record("channels")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// Reaching this line means Delete did not signal this process.
}

func TestUpdateChangesPort(t *testing.T) {
	ctx := context.Background()
	b, dir := newBackend(t, os.Getenv("PATH"))
	inst := create(t, b, "channels", &local.Spec{Server: "auto"})
	oldPID := serverPID(t, dir, "channels")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	want := &local.Spec{Name: "channels", Port: port, Server: "redis-server"}
	changes := b.Diff(want, inst)
	if len(changes) != 1 || changes[0].Name != "port" || changes[0].New != strconv.Itoa(port) || changes[0].ForcesReplace {
		t.Fatalf("Diff = %+v, want one in-place port change", changes)
	}
	updated, err := b.Update(ctx, record("channels"), want)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.Attrs["port"] != strconv.Itoa(port) || password(t, updated) != password(t, inst) {
		t.Fatalf("Update: port %s, want %d with the same password", updated.Attrs["port"], port)
	}
	if alive(oldPID) {
		t.Errorf("old server %d still runs after a port change", oldPID)
	}
	if err := client(t, updated).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING on the new port: %v", err)
	}
}

func TestUpdateToBusyPortKeepsOldServer(t *testing.T) {
	ctx := context.Background()
	b, dir := newBackend(t, os.Getenv("PATH"))
	inst := create(t, b, "channels", &local.Spec{Server: "auto"})
	pid := serverPID(t, dir, "channels")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = b.Update(ctx, record("channels"), &local.Spec{Name: "channels", Port: port, Server: "auto"})
	if err == nil || !strings.Contains(err.Error(), "already in use by another process") {
		t.Fatalf("Update to a busy port: %v", err)
	}
	if !alive(pid) {
		t.Fatal("the old server was stopped although the new port is taken")
	}
	if err := client(t, inst).Ping(ctx).Err(); err != nil {
		t.Fatalf("old server no longer answers: %v", err)
	}
}

func TestUpdateSwitchesServerKind(t *testing.T) {
	ctx := context.Background()
	b, dir := newBackend(t, os.Getenv("PATH"))
	inst := create(t, b, "channels", &local.Spec{Server: "redis-server"})
	want := &local.Spec{Name: "channels", Server: "embedded"}
	if d := b.Diff(want, inst); len(d) != 1 || d[0].Name != "server" || d[0].New != "embedded" {
		t.Fatalf("Diff = %+v, want one server change", d)
	}
	updated, err := b.Update(ctx, record("channels"), want)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.Attrs["server"] != "embedded miniredis" || updated.URL != inst.URL {
		t.Fatalf("Update: server %q, same URL %v; want embedded on the same port and password", updated.Attrs["server"], updated.URL == inst.URL)
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(serverPID(t, dir, "channels")) + "/cmdline")
	if !strings.Contains(string(cmdline), "embedded-redis") {
		t.Fatalf("running %q, want the embedded server", cmdline)
	}
	if err := client(t, updated).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
}
