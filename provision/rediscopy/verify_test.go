package rediscopy

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// spoil changes one thing in each of several keys on the target and
// returns their names.
func spoil(t *testing.T, dst *redis.Client) []string {
	t.Helper()
	ctx := context.Background()
	pipe := dst.Pipeline()
	pipe.SRem(ctx, "big:set", "m7")
	pipe.SAdd(ctx, "big:set", "intruder")                            // same size, one member different
	pipe.HSet(ctx, "big:hash", "f1200", "changed")                   // a later chunk
	pipe.LSet(ctx, "big:list", 1400, "changed")                      // a later chunk
	pipe.ZAdd(ctx, "big:zset", redis.Z{Score: -99, Member: "m1500"}) // a score in a later chunk
	pipe.SetRange(ctx, "big:string", 3*stringChunk+5, "X")           // a byte in a later chunk
	pipe.Do(ctx, "xdel", "big:stream", "1-1000")
	pipe.Persist(ctx, "k:1")          // TTL lost
	pipe.Del(ctx, "k:7")              // missing
	pipe.Del(ctx, "k:8")              // a list…
	pipe.Set(ctx, "k:8", "string", 0) // …that became a string
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if dst.PTTL(ctx, "big:string").Val() < 0 {
		t.Fatal("big:string lost its TTL")
	}
	return []string{"big:set", "big:hash", "big:list", "big:zset", "big:string", "big:stream", "k:1", "k:7", "k:8"}
}

func TestCompareFindsEveryDifference(t *testing.T) {
	for name, target := range map[string]func(t *testing.T) (*redis.Client, Endpoint){
		"dump":  func(t *testing.T) (*redis.Client, Endpoint) { return server(t, redistest.Options{}) },
		"typed": func(t *testing.T) (*redis.Client, Endpoint) { _, c, ep := mini(t); return c, ep },
	} {
		t.Run(name, func(t *testing.T) {
			src, from := server(t, redistest.Options{})
			dst, to := target(t)
			n := fill(t, src, fixture{n: 600, big: true})
			ctx := context.Background()
			if _, err := Copy(ctx, from, to, Options{}); err != nil {
				t.Fatal(err)
			}
			want := spoil(t, dst)
			v, err := Compare(ctx, from, to, Options{Batch: 100})
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("error %v, want ErrMismatch", err)
			}
			slices.Sort(want)
			got := slices.Sorted(slices.Values(v.MismatchedKeys))
			if !slices.Equal(got, want) {
				t.Errorf("mismatched keys %q, want %q", got, want)
			}
			if v.Checked != int64(n) || v.Equal != int64(n-len(want)) || v.Skipped != 0 {
				t.Errorf("checked %d, equal %d, skipped %d; want %d, %d, 0", v.Checked, v.Equal, v.Skipped, n, n-len(want))
			}
			assertNoSecret(t, err, from.URL, to.URL)
		})
	}
}

func TestRedisCRC64(t *testing.T) {
	// The check value in Redis's src/crc64.c test.
	if got := redisCRC64("123456789"); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %#x", got)
	}
	src, _ := server(t, redistest.Options{})
	ctx := context.Background()
	src.Set(ctx, "s", "value", 0)
	dump := src.Dump(ctx, "s").Val()
	if !genuinePayload(dump) || genuinePayload("value") || genuinePayload(dump[:len(dump)-1]+"x") {
		t.Error("genuinePayload does not tell real payloads from others")
	}
	if err := src.Restore(ctx, "p", 0, stringPayload("probe")).Err(); err != nil || src.Get(ctx, "p").Val() != "probe" {
		t.Errorf("redis-server refused the probe payload: %v", err)
	}
}
