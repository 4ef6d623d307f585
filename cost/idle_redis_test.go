package cost

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// cleanupScript is channels_redis's _brpop_with_clean script (core.py),
// verbatim: it restores messages parked in the in-flight backup and drops
// the backup. Keys travel in ARGV with numkeys 0, as channels_redis sends it.
const cleanupScript = `
            local backed_up = redis.call('ZRANGE', ARGV[2], 0, -1, 'WITHSCORES')
            for i = #backed_up, 1, -2 do
                redis.call('ZADD', ARGV[1], backed_up[i], backed_up[i - 1])
            end
            redis.call('DEL', ARGV[2])
        `

// notBilled are the commands Upstash does not charge for (upstash-api.md
// §2), plus CONFIG RESETSTAT and INFO that the test itself sends.
var notBilled = map[string]bool{"auth": true, "hello": true, "select": true, "command": true,
	"config": true, "info": true, "ping": true, "reset": true, "quit": true}

// consumer is the Go equivalent of one channels_redis consumer process: one
// connection, the same commands in the same order.
type consumer struct {
	c       *redis.Client
	channel string
	backup  string
}

func newConsumer(t *testing.T, srv *redistest.Server) *consumer {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: srv.Password, PoolSize: 1, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	ch := "asgi:specific.abc!"
	return &consumer{c: c, channel: ch, backup: ch + "$inflight"}
}

// receivePass is one pass of the receive loop: EVAL of the cleanup script,
// then BZPOPMIN with a short timeout (channels_redis waits 5 s; the command
// count of a pass does not depend on how long it waits). On a hit the
// message is parked in the backup and cleared again, as receive_single and
// _clean_receive_backup do.
func (k *consumer) receivePass(ctx context.Context) (bool, error) {
	if err := k.c.Do(ctx, "EVAL", cleanupScript, 0, k.channel, k.backup).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return false, err
	}
	res, err := k.c.Do(ctx, "BZPOPMIN", k.channel, "0.01").Slice()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil || len(res) != 3 {
		return false, err
	}
	if err := k.c.ZAdd(ctx, k.backup, redis.Z{Score: 1, Member: res[1]}).Err(); err != nil {
		return true, err
	}
	return true, k.c.ZPopMin(ctx, k.backup).Err()
}

// send is channels_redis's RedisChannelLayer.send.
func (k *consumer) send(ctx context.Context, msg string) error {
	now := float64(time.Now().Unix())
	if err := k.c.ZRemRangeByScore(ctx, k.channel, "0", strconv.FormatFloat(now-60, 'f', 0, 64)).Err(); err != nil {
		return err
	}
	if err := k.c.ZCount(ctx, k.channel, "-inf", "+inf").Err(); err != nil {
		return err
	}
	if err := k.c.ZAdd(ctx, k.channel, redis.Z{Score: now, Member: msg}).Err(); err != nil {
		return err
	}
	return k.c.Expire(ctx, k.channel, time.Minute).Err()
}

// billedCommands resets the server's command statistics, runs fn and returns
// the billable commands it caused, by name, as INFO commandstats counts them
// (commands called inside a script included).
func billedCommands(t *testing.T, k *consumer, fn func(ctx context.Context) error) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	if err := k.c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := fn(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := k.c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	return parseCommandStats(t, info)
}

func parseCommandStats(t *testing.T, info string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isStat := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isStat {
			continue
		}
		name, _, _ = strings.Cut(name, "|") // "config|resetstat" is CONFIG
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatalf("commandstats line %q: %v", line, err)
		}
		if !notBilled[name] {
			out[strings.ToUpper(name)] += n
		}
	}
	return out
}

func tally(cmds []string, times int64) map[string]int64 {
	out := map[string]int64{}
	for _, c := range cmds {
		out[c] += times
	}
	return out
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestIdleLoopMatchesRedisCount runs the core layer's idle receive loop
// against a real redis-server and checks the model's per-pass commands, and
// so its monthly figure, against what the server counted.
func TestIdleLoopMatchesRedisCount(t *testing.T) {
	k := newConsumer(t, redistest.Start(t, redistest.Options{}))
	const passes = 25
	got := billedCommands(t, k, func(ctx context.Context) error {
		for range passes {
			if hit, err := k.receivePass(ctx); err != nil || hit {
				return errors.Join(err, errors.New("an idle pass received a message"))
			}
		}
		return nil
	})
	want := tally(IdleLoopCommands(LayerCore), passes)
	if !sameCounts(got, want) {
		t.Fatalf("redis counted %v over %d idle passes, the model says %v", got, passes, want)
	}
	perPass := sum(got) / passes
	if month := perPass * HoursPerMonth * 3600 / ReceiveTimeoutSeconds; month != IdleCommandsPerMonth(LayerCore) {
		t.Errorf("measured %d commands a pass → %d a month; model says %d", perPass, month, IdleCommandsPerMonth(LayerCore))
	}
	if IdleCommandsPerMonth(LayerCore) != 2_102_400 {
		t.Errorf("IdleCommandsPerMonth(core) = %d, want 2,102,400 (4 × 730 h × 720 passes an hour)", IdleCommandsPerMonth(LayerCore))
	}
}

// TestMessageCommandsMatchRedisCount sends and receives messages the way
// the core layer does and checks MessageCommands against redis's count.
func TestMessageCommandsMatchRedisCount(t *testing.T) {
	k := newConsumer(t, redistest.Start(t, redistest.Options{}))
	const messages = 7
	got := billedCommands(t, k, func(ctx context.Context) error {
		for i := range messages {
			if err := k.send(ctx, "msg-"+strconv.Itoa(i)); err != nil {
				return err
			}
			if hit, err := k.receivePass(ctx); err != nil || !hit {
				return errors.Join(err, errors.New("the pass after a send received nothing"))
			}
		}
		return nil
	})
	if want := tally(MessageCommands(LayerCore), messages); !sameCounts(got, want) {
		t.Fatalf("redis counted %v for %d messages, the model says %v", got, messages, want)
	}
}

// TestPubSubIdleSendsNothing checks the pub/sub layer's idle cost of 0: a
// subscribed connection that waits for messages sends no command.
func TestPubSubIdleSendsNothing(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	k := newConsumer(t, srv)
	sub := redis.NewClient(&redis.Options{Addr: srv.Addr(), Password: srv.Password, DisableIdentity: true})
	t.Cleanup(func() { sub.Close() })
	got := billedCommands(t, k, func(ctx context.Context) error {
		ps := sub.Subscribe(ctx, "asgi:group.chat")
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil { // the subscription confirmation
			return err
		}
		for range 10 {
			if _, err := ps.ReceiveTimeout(ctx, 10*time.Millisecond); err == nil {
				return errors.New("an idle subscription received something")
			}
		}
		return nil
	})
	if want := map[string]int64{"SUBSCRIBE": 1}; !sameCounts(got, want) {
		t.Fatalf("redis counted %v for an idle subscriber, want only the SUBSCRIBE %v", got, want)
	}
	if IdleCommandsPerMonth(LayerPubSub) != 0 {
		t.Errorf("IdleCommandsPerMonth(pubsub) = %d, want 0", IdleCommandsPerMonth(LayerPubSub))
	}
}
