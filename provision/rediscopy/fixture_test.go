package rediscopy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// fixture describes a test data set.
type fixture struct {
	n   int  // small keys, all types, 30% with TTLs
	big bool // plus one key per type bigger than a chunk
	// streamExtras adds streams that need XSETID or are empty, which
	// miniredis cannot write.
	streamExtras bool
}

// server starts a real redis-server and returns a client and its endpoint.
func server(t testing.TB, opts redistest.Options) (*redis.Client, Endpoint) {
	t.Helper()
	s := redistest.Start(t, opts)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: s.Password, Protocol: 2, DisableIdentity: true, TLSConfig: tlsFor(s)})
	t.Cleanup(func() { _ = c.Close() })
	return c, Endpoint{URL: s.URL(""), CACert: s.CACertPEM}
}

// mini starts a miniredis, which answers DUMP and RESTORE but not with
// Redis's payload format.
// Its clock stands still: tests FastForward it by the time that passed.
func mini(t testing.TB) (*miniredis.Miniredis, *redis.Client, Endpoint) {
	t.Helper()
	m := miniredis.RunT(t)
	m.RequireAuth("mini-secret-pw")
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), Password: "mini-secret-pw", Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { _ = c.Close() })
	return m, c, Endpoint{URL: "redis://:mini-secret-pw@" + m.Addr()}
}

// fill writes f into c and returns the number of keys.
func fill(t testing.TB, c *redis.Client, f fixture) int {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	pipe := c.Pipeline()
	for i := range f.n {
		key := fmt.Sprintf("k:%d", i)
		if i%97 == 0 {
			key += "\x00\xff bin"
		}
		writeSmall(ctx, pipe, rng, key, i, f.streamExtras)
		if (i/6)%10 < 3 {
			pipe.PExpire(ctx, key, time.Duration(300+rng.IntN(3600))*time.Second) // outlives a slow -race run
		}
		if pipe.Len() > 3000 {
			execOK(t, ctx, pipe)
		}
	}
	execOK(t, ctx, pipe)
	n := f.n
	if f.big {
		n += writeBig(t, ctx, c, f.streamExtras)
	}
	return n
}

func execOK(t testing.TB, ctx context.Context, pipe redis.Pipeliner) {
	t.Helper()
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("fill: %v", err)
	}
}

func randBytes(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return string(b)
}

// writeSmall writes key as type i%6 with a few random binary elements.
func writeSmall(ctx context.Context, pipe redis.Pipeliner, rng *rand.Rand, key string, i int, extras bool) {
	m := 1 + rng.IntN(8)
	switch i % 6 {
	case 0:
		pipe.Set(ctx, key, randBytes(rng, i%200), 0) // k:0 is the empty string
	case 1:
		for j := range m {
			pipe.HSet(ctx, key, "f"+strconv.Itoa(j)+randBytes(rng, 3), randBytes(rng, rng.IntN(50)))
		}
	case 2:
		for range m {
			pipe.RPush(ctx, key, randBytes(rng, rng.IntN(40)))
		}
	case 3:
		for j := range m {
			pipe.SAdd(ctx, key, "m"+strconv.Itoa(j)+randBytes(rng, 5))
		}
	case 4:
		scores := []float64{0, -1.5, 0.1, 1e300, 3, 42, -7, 2.5e-8}
		for j := range m {
			pipe.ZAdd(ctx, key, redis.Z{Score: scores[j], Member: randBytes(rng, 6)})
		}
	case 5:
		for j := range m {
			pipe.Do(ctx, "xadd", key, fmt.Sprintf("%d-%d", i+1, j+1), "b", randBytes(rng, 5), "a", strconv.Itoa(j))
		}
		if extras && i%18 == 5 {
			pipe.Do(ctx, "xgroup", "create", key, "workers", fmt.Sprintf("%d-1", i+1))
			pipe.Do(ctx, "xdel", key, fmt.Sprintf("%d-%d", i+1, m)) // last ID now has no entry
		}
	}
}

// writeBig writes one key per type bigger than a chunk, and returns how
// many keys it wrote.
func writeBig(t testing.TB, ctx context.Context, c *redis.Client, extras bool) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	pipe := c.Pipeline()
	pipe.Set(ctx, "big:string", randBytes(rng, 5*stringChunk+17), 0)
	pipe.PExpire(ctx, "big:string", time.Hour)
	for j := range 3*elemChunk + 5 {
		s := strconv.Itoa(j)
		pipe.HSet(ctx, "big:hash", "f"+s, randBytes(rng, 20))
		pipe.RPush(ctx, "big:list", randBytes(rng, 10)+s)
		pipe.SAdd(ctx, "big:set", "m"+s)
		pipe.ZAdd(ctx, "big:zset", redis.Z{Score: float64(j) / 3, Member: "m" + s})
		pipe.Do(ctx, "xadd", "big:stream", fmt.Sprintf("1-%d", j+1), "n", s, "v", randBytes(rng, 8))
	}
	pipe.PExpire(ctx, "big:zset", 20*time.Minute)
	pipe.Do(ctx, "xgroup", "create", "big:stream", "readers", "1-100")
	n := 6
	if extras {
		pipe.Do(ctx, "xgroup", "create", "empty:stream", "g1", "0", "mkstream")
		pipe.Do(ctx, "xadd", "empty:trimmed", "5-5", "a", "b")
		pipe.Do(ctx, "xdel", "empty:trimmed", "5-5")
		n += 2
	}
	execOK(t, ctx, pipe)
	return n
}

// frozen is a miniredis side of a copy, whose clock stands still unless
// moved, with how long the copy took: the TTLs the copy read or wrote on
// it were taken at some moment of that time, so they may be off by as much.
// tick keeps m's clock in step with the wall clock until stop is called,
// which brings it up to the present.
func tick(m *miniredis.Miniredis) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	last := time.Now()
	step := func() {
		now := time.Now()
		m.FastForward(now.Sub(last))
		last = now
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				step()
				return
			case <-t.C:
				step()
			}
		}
	}()
	return func() { close(done); <-finished }
}

type frozen struct {
	m    *miniredis.Miniredis
	copy time.Duration
}

// assertSame fails t unless every key of src is on dst with the same type,
// value and TTL (within a second, plus the copy's time with a frozen
// side), and dst holds no other key. A frozen side is kept in step with
// the wall clock while the keys are compared.
func assertSame(t *testing.T, src, dst *redis.Client, sides ...frozen) {
	t.Helper()
	ctx := context.Background()
	keys, err := src.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := dst.DBSize(ctx).Val(); n != int64(len(keys)) {
		t.Errorf("target has %d keys, source %d", n, len(keys))
	}
	slack := time.Second
	for _, side := range sides {
		slack = max(slack, time.Second+side.copy)
	}
	bad := 0
	last := time.Now()
	for _, k := range keys {
		now := time.Now() // before: FastForward itself takes a while
		for _, side := range sides {
			side.m.FastForward(now.Sub(last))
		}
		last = now
		if msg := diffKey(ctx, src, dst, k, slack); msg != "" {
			if bad++; bad <= 10 {
				t.Errorf("key %q: %s", k, msg)
			}
		}
	}
	if bad > 10 {
		t.Errorf("… %d keys differ in all", bad)
	}
}

// diffKey compares one key with plain read commands, TTLs within slack.
func diffKey(ctx context.Context, src, dst *redis.Client, k string, slack time.Duration) string {
	typ := src.Type(ctx, k).Val()
	if got := dst.Type(ctx, k).Val(); got != typ {
		return fmt.Sprintf("type %s, want %s", got, typ)
	}
	if a, b := src.PTTL(ctx, k).Val(), dst.PTTL(ctx, k).Val(); (a < 0) != (b < 0) || max(a-b, b-a) > slack {
		return fmt.Sprintf("TTL %v, want %v", b, a)
	}
	read := map[string]func(c *redis.Client) any{
		"string": func(c *redis.Client) any { return c.Get(ctx, k).Val() },
		"hash":   func(c *redis.Client) any { return c.HGetAll(ctx, k).Val() },
		"list":   func(c *redis.Client) any { return c.LRange(ctx, k, 0, -1).Val() },
		"set":    func(c *redis.Client) any { return slices.Sorted(slices.Values(c.SMembers(ctx, k).Val())) },
		"zset":   func(c *redis.Client) any { return c.ZRangeWithScores(ctx, k, 0, -1).Val() },
		"stream": func(c *redis.Client) any {
			groups := c.Do(ctx, "xinfo", "groups", k).Val()
			info, _ := c.Do(ctx, "xinfo", "stream", k).Slice()
			return []any{c.Do(ctx, "xrange", k, "-", "+").Val(), groupNames(groups), lastID(info)}
		},
	}[typ]
	if read == nil {
		return "unexpected type " + typ
	}
	if a, b := read(src), read(dst); !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("value differs:\n got %.200v\nwant %.200v", b, a)
	}
	return ""
}

// groupNames keeps the name and last-delivered-id of each group.
func groupNames(raw any) []string {
	var out []string
	list, _ := raw.([]any)
	for _, g := range list {
		fields, _ := g.([]any)
		for i := 0; i+1 < len(fields); i += 2 {
			if k := fields[i]; k == "name" || k == "last-delivered-id" {
				out = append(out, fmt.Sprint(fields[i+1]))
			}
		}
	}
	slices.Sort(out)
	return out
}

func lastID(info []any) any {
	for i := 0; i+1 < len(info); i += 2 {
		if info[i] == "last-generated-id" {
			return info[i+1]
		}
	}
	return nil
}
