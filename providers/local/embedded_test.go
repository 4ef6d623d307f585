package local_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/providers/local"
	"github.com/rediskit/rediskit/provision"
)

// probe is the kind of script verification runs: the sorted-set and expiry
// commands channels_redis uses, on one key.
const probe = `
redis.call('ZADD', KEYS[1], 1, 'a', 2, 'b', 3, 'c')
local n = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', 1)
local r = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('EXPIRE', KEYS[1], 60)
return {n, #r}`

func TestEmbeddedServer(t *testing.T) {
	ctx := context.Background()
	b, dir := newBackend(t, os.Getenv("PATH"))
	inst := create(t, b, "dev", &local.Spec{Server: "embedded"})
	if inst.Status != provision.StatusReady || inst.Attrs["server"] != "embedded miniredis" {
		t.Fatalf("Create: status %q server %q", inst.Status, inst.Attrs["server"])
	}
	pid := serverPID(t, dir, "dev")
	checkSecretHidden(t, inst, instDir(dir, "dev"), pid)
	checkModes(t, instDir(dir, "dev"))

	c := client(t, inst)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	res, err := c.Eval(ctx, probe, []string{"rediskit:verify:x"}).Int64Slice()
	if err != nil || len(res) != 2 || res[0] != 3 || res[1] != 2 {
		t.Fatalf("EVAL probe = %v, %v; want [3 2]", res, err)
	}
	if ttl, err := c.TTL(ctx, "rediskit:verify:x").Result(); err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL after EXPIRE = %v, %v", ttl, err)
	}
	z, err := c.BZPopMin(ctx, time.Second, "rediskit:verify:x").Result()
	if err != nil || z.Member != "b" {
		t.Fatalf("BZPOPMIN = %+v, %v; want member b", z, err)
	}
	if err := c.Del(ctx, "rediskit:verify:x").Err(); err != nil {
		t.Fatalf("DEL: %v", err)
	}
	checkPubSub(t, c)
	checkAuth(t, inst)

	if err := b.Delete(ctx, record("dev")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	waitFor(t, "embedded server to exit", func() bool { return !alive(pid) })
	_, err = b.Read(ctx, record("dev"))
	mustNotFound(t, err)
}

func checkPubSub(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	sub := c.Subscribe(ctx, "rediskit:verify:chan")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatalf("SUBSCRIBE: %v", err)
	}
	if n, err := c.Publish(ctx, "rediskit:verify:chan", "hello").Result(); err != nil || n != 1 {
		t.Fatalf("PUBLISH = %d, %v; want 1 receiver", n, err)
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil || msg.Payload != "hello" {
		t.Fatalf("received %v, %v", msg, err)
	}
}

// checkAuth checks AUTH with no user and with user "default", and that a
// wrong password is refused.
func checkAuth(t *testing.T, inst *provision.Instance) {
	t.Helper()
	ctx := context.Background()
	addr := "127.0.0.1:" + inst.Attrs["port"]
	for _, tc := range []struct {
		user, pass string
		ok         bool
	}{
		{"", password(t, inst), true},
		{"default", password(t, inst), true},
		{"", "wrong", false},
	} {
		for _, proto := range []int{2, 3} {
			c := redis.NewClient(&redis.Options{Addr: addr, Username: tc.user, Password: tc.pass, Protocol: proto})
			err := c.Ping(ctx).Err()
			c.Close()
			if (err == nil) != tc.ok {
				t.Errorf("user %q, RESP%d, right password %v: PING err = %v", tc.user, proto, tc.ok, err)
			}
		}
	}
}

func TestAutoWithoutRedisServerUsesEmbedded(t *testing.T) {
	b, dir := newBackend(t, "")
	spec := &local.Spec{Server: "auto"}
	if got, want := b.Describe(spec), "embedded miniredis on 127.0.0.1 (redis-server not found)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	inst := create(t, b, "channels", spec)
	if inst.Attrs["server"] != "embedded miniredis" {
		t.Fatalf("server = %q, want the embedded one", inst.Attrs["server"])
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(serverPID(t, dir, "channels")) + "/cmdline")
	if err != nil || !strings.Contains(string(cmdline), "internal\x00embedded-redis\x00") {
		t.Fatalf("server command line %q, %v; want `internal embedded-redis CONFIG`", cmdline, err)
	}
	if err := client(t, inst).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if d := b.Diff(spec, inst); len(d) != 0 {
		t.Fatalf("Diff = %+v, want none", d)
	}
	if d := b.Diff(&local.Spec{Server: "redis-server"}, inst); len(d) != 1 || d[0].Name != "server" || d[0].New != "redis-server" {
		t.Fatalf("Diff to redis-server = %+v", d)
	}
}

func TestRedisServerMissing(t *testing.T) {
	b, dir := newBackend(t, "")
	_, err := b.Create(context.Background(), provision.CreateRequest{
		Name: "channels", Spec: &local.Spec{Name: "channels", Server: "redis-server"},
	})
	if err == nil || !strings.Contains(err.Error(), "`apt-get install redis-server`") || !strings.Contains(err.Error(), `server = "embedded"`) {
		t.Fatalf("Create without redis-server: %v", err)
	}
	if _, err := os.Stat(instDir(dir, "channels")); !os.IsNotExist(err) {
		t.Fatalf("folder left behind: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	b, _ := newBackend(t, os.Getenv("PATH"))
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	// "Redis server v=7.0.15 sha=..." → "redis-server 7.0.15"
	version := "redis-server " + strings.TrimPrefix(strings.Fields(string(out))[2], "v=")
	for _, tc := range []struct {
		spec *local.Spec
		want string
	}{
		{&local.Spec{Server: "auto"}, version + " on 127.0.0.1"},
		{&local.Spec{Server: "redis-server", Port: 6390}, version + " on 127.0.0.1:6390"},
		{&local.Spec{Server: "embedded"}, "embedded miniredis on 127.0.0.1"},
	} {
		if got := b.Describe(tc.spec); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}
