package rediscopy

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// The estimate is checked against the servers' own command counts, for
// the copy and for the verification separately.
func TestEstimateBillable(t *testing.T) {
	for name, dstOpts := range map[string]redistest.Options{"dump-restore": {}, "typed": noRestore} {
		t.Run(name, func(t *testing.T) {
			src, from := server(t, redistest.Options{})
			dst, to := server(t, dstOpts)
			n := int64(fill(t, src, fixture{n: 6000}))
			ctx := context.Background()
			if got, err := CountKeys(ctx, from); err != nil || got != n {
				t.Fatalf("CountKeys = %d, %v; want %d", got, err, n)
			}
			opts := Options{Batch: 500}
			copyEst := pick(EstimateBillable(n, opts), name)
			opts.Verify = true
			verifyEst := pick(EstimateBillable(n, opts), name)
			verifyEst.Source -= copyEst.Source
			verifyEst.Target -= copyEst.Target

			// The typed figures are upper ones: not every key has a TTL, and
			// here the target's DUMP payloads match for most keys.
			copyUnder, verifyUnder := int64(0), int64(0)
			if name == "typed" {
				copyUnder, verifyUnder = copyEst.Target/7, 2*n
			}
			got := countCommands(t, src, dst, func() error { _, err := Copy(ctx, from, to, Options{Batch: 500}); return err })
			t.Logf("copy: %+v, estimated %+v", got, copyEst)
			within(t, "copy", got, copyEst, copyUnder, 0)
			got = countCommands(t, src, dst, func() error { _, err := Compare(ctx, from, to, opts); return err })
			t.Logf("verification: %+v, estimated %+v", got, verifyEst)
			// Sets' DUMP bytes differ on Redis 7.0: they are compared by
			// type, 2 commands more on each side (one key in 6 is a set).
			within(t, "verification", got, verifyEst, verifyUnder, 2*n/6)
		})
	}
}

func pick(e Estimate, name string) Billable {
	if name == "typed" {
		return e.Typed
	}
	return e.DumpRestore
}

// within fails unless got is est within 2%, plus up to over.
func within(t *testing.T, what string, got, est Billable, under, over int64) {
	t.Helper()
	for _, c := range [][3]int64{{got.Source, est.Source}, {got.Target, est.Target}} {
		slack := c[1] / 50
		if c[0] < c[1]-slack-under || c[0] > c[1]+slack+over {
			t.Errorf("%s: %d commands, estimated %d", what, c[0], c[1])
		}
	}
}

// countCommands runs f and returns the commands each server counted.
func countCommands(t *testing.T, src, dst *redis.Client, f func() error) Billable {
	t.Helper()
	src.ConfigResetStat(context.Background())
	dst.ConfigResetStat(context.Background())
	if err := f(); err != nil {
		t.Fatal(err)
	}
	return Billable{Source: commandCalls(t, src), Target: commandCalls(t, dst)}
}

// commandCalls sums INFO commandstats, leaving out what the connection
// set-up sends (HELLO, AUTH) and the test's own commands.
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
