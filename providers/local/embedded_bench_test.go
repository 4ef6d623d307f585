package local_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// BenchmarkChannelMessage measures channels_redis's traffic on each server
// the local backend can run. "send": one message, the commands of a send (a
// transaction of ZREMRANGEBYSCORE, ZCOUNT, ZADD, EXPIRE, as channels_redis 4
// sends them) and of a receive (BZPOPMIN). "group": a group_send to 10
// channels, one Lua script that does the same for each (as channels_redis
// does), and the 10 receives. The embedded server runs as the product
// runs it, in a child process (`rediskit internal embedded-redis`, here the
// test binary); redis-server is the one on PATH. scripts/bench puts the
// figures and their ratio in BENCHMARKS.md.
func BenchmarkChannelMessage(b *testing.B) {
	b.Run("redis-server", func(b *testing.B) {
		srv, err := redistest.StartServer(redistest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = srv.Close() })
		benchTraffic(b, srv.Port, srv.Password)
	})
	b.Run("embedded", func(b *testing.B) {
		port, password := startEmbedded(b)
		benchTraffic(b, port, password)
	})
}

func benchTraffic(b *testing.B, port int, password string) {
	b.Run("send", func(b *testing.B) { benchMessages(b, port, password) })
	b.Run("group", func(b *testing.B) { benchGroup(b, port, password) })
}

// groupSend is the shape of channels_redis 4's group_send script: for each
// channel key, drop expired messages, add the message and renew the TTL.
var groupSend = redis.NewScript(`
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, ARGV[1] - 60)
  if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < 100 then
    redis.call('ZADD', KEYS[i], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[i], 61)
  end
end
return #KEYS`)

func benchGroup(b *testing.B, port int, password string) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Password: password})
	b.Cleanup(func() { _ = c.Close() })
	keys := make([]string, 10)
	for i := range keys {
		keys[i] = fmt.Sprintf("asgi:specific.member%d!", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 6, 64)
		if err := groupSend.Run(ctx, c, keys, now, fmt.Sprintf("message-%d", i)).Err(); err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if err := c.BZPopMin(ctx, 5*time.Second, k).Err(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchMessages(b *testing.B, port int, password string) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Password: password})
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	key := "asgi:specific.bench!"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := float64(time.Now().UnixNano()) / 1e9
		pipe := c.TxPipeline()
		pipe.ZRemRangeByScore(ctx, key, "0", strconv.FormatFloat(now-60, 'f', 6, 64))
		pipe.ZCount(ctx, key, "-inf", "+inf")
		pipe.ZAdd(ctx, key, redis.Z{Score: now, Member: fmt.Sprintf("message-%d", i)})
		pipe.Expire(ctx, key, 61*time.Second)
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
		if err := c.BZPopMin(ctx, 5*time.Second, key).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// startEmbedded runs the embedded server in a child process and returns
// its port and password once it answers.
func startEmbedded(b *testing.B) (int, string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	password := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cfg := filepath.Join(b.TempDir(), "redis.conf")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("port %d\nrequirepass %s\n", port, password)), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "internal", "embedded-redis", cfg)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Password: password})
	defer c.Close()
	for i := 0; ; i++ {
		if err := c.Ping(context.Background()).Err(); err == nil {
			return port, password
		} else if i == 200 {
			b.Fatalf("the embedded server did not answer within 10s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
