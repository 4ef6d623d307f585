package rediscopy

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// The estimate is checked against the servers' own command counts.
func TestEstimateBillable(t *testing.T) {
	for name, dstOpts := range map[string]redistest.Options{"dump-restore": {}, "typed": noRestore} {
		t.Run(name, func(t *testing.T) {
			src, from := server(t, redistest.Options{})
			dst, to := server(t, dstOpts)
			n := fill(t, src, fixture{n: 5000})
			ctx := context.Background()
			src.ConfigResetStat(ctx)
			dst.ConfigResetStat(ctx)
			opts := Options{Batch: 500, Verify: true}
			if _, err := Copy(ctx, from, to, opts); err != nil {
				t.Fatal(err)
			}
			est := EstimateBillable(int64(n), opts)
			want := est.DumpRestore
			tolerance := 0.02
			if name == "typed" {
				want, tolerance = est.Typed, 0.25 // an upper estimate: not every key has a TTL
			}
			for side, c := range map[string]struct {
				client *redis.Client
				want   int64
			}{"source": {src, want.Source}, "target": {dst, want.Target}} {
				got := commandCalls(t, c.client)
				if d := float64(got-c.want) / float64(c.want); d > 0.02 || d < -tolerance {
					t.Errorf("%s: %d commands, estimated %d", side, got, c.want)
				}
			}
		})
	}
}

// commandCalls sums INFO commandstats, leaving out what the connection
// set-up sends (HELLO, AUTH) and the test's own INFO.
func commandCalls(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info := c.Info(context.Background(), "commandstats").Val()
	var total int64
	for line := range strings.SplitSeq(info, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok || name == "hello" || name == "auth" || name == "info" || name == "config|resetstat" {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}
