package cmd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rogpeppe/go-internal/testscript"
)

// redisClient connects to the URL held in file (as `rediskit output NAME
// --reveal` prints it), trusting the script's SSL_CERT_FILE for rediss.
func redisClient(ts *testscript.TestScript, file string) *redis.Client {
	opts, err := redis.ParseURL(strings.TrimSpace(ts.ReadFile(file)))
	ts.Check(err)
	if opts.TLSConfig != nil {
		pool := x509.NewCertPool()
		if ca := ts.Getenv("SSL_CERT_FILE"); ca != "" {
			pem, err := os.ReadFile(ca)
			ts.Check(err)
			pool.AppendCertsFromPEM(pem)
		}
		opts.TLSConfig = &tls.Config{RootCAs: pool, ServerName: opts.TLSConfig.ServerName, MinVersion: tls.VersionTLS12}
	}
	opts.Protocol, opts.DisableIdentity = 2, true
	return redis.NewClient(opts)
}

// redisfill URLFILE N: write N keys of every type, 30% with a TTL, into
// the Redis whose URL the file holds.
func cmdRedisFill(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: redisfill URLFILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	c := redisClient(ts, args[0])
	defer c.Close()
	ctx := context.Background()
	pipe := c.Pipeline()
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("k:%d", i)
		switch i % 6 {
		case 0:
			pipe.Set(ctx, key, strings.Repeat("v", i%50), 0)
		case 1:
			pipe.HSet(ctx, key, "a", i, "b", "x")
		case 2:
			pipe.RPush(ctx, key, i, "two", "three")
		case 3:
			pipe.SAdd(ctx, key, i, "m", "n")
		case 4:
			pipe.ZAdd(ctx, key, redis.Z{Score: float64(i), Member: "z"}, redis.Z{Score: 1.5, Member: "y"})
		case 5:
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: "1-1", Values: []any{"f", i}})
		}
		if i%10 < 3 {
			pipe.Expire(ctx, key, time.Hour)
		}
		if pipe.Len() >= 1000 {
			_, err := pipe.Exec(ctx)
			ts.Check(err)
		}
	}
	_, err = pipe.Exec(ctx)
	ts.Check(err)
}

// redissame URLFILE1 URLFILE2: both hold the same keys with equal values
// (sets by members) and TTLs within a second.
func cmdRedisSame(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: redissame URLFILE1 URLFILE2")
	}
	a, b := redisClient(ts, args[0]), redisClient(ts, args[1])
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	na, nb := a.DBSize(ctx).Val(), b.DBSize(ctx).Val()
	if na != nb {
		ts.Fatalf("%d keys there, %d here", na, nb)
	}
	iter := a.Scan(ctx, 0, "*", 1000).Iterator()
	checked := 0
	for iter.Next(ctx) {
		key := iter.Val()
		if va, vb := dumpValue(ctx, a, key), dumpValue(ctx, b, key); va != vb {
			ts.Fatalf("key %s differs: %q vs %q", key, va, vb)
		}
		ta, tb := a.PTTL(ctx, key).Val(), b.PTTL(ctx, key).Val()
		if d := ta - tb; d > time.Second || d < -time.Second {
			ts.Fatalf("key %s: TTL %s vs %s", key, ta, tb)
		}
		checked++
	}
	ts.Check(iter.Err())
	ts.Logf("%d keys compared", checked)
}

// dumpValue renders a key's value comparably across servers.
func dumpValue(ctx context.Context, c *redis.Client, key string) string {
	switch typ := c.Type(ctx, key).Val(); typ {
	case "string":
		return typ + ":" + c.Get(ctx, key).Val()
	case "hash":
		return typ + ":" + fmt.Sprint(c.HGetAll(ctx, key).Val())
	case "list":
		return typ + ":" + fmt.Sprint(c.LRange(ctx, key, 0, -1).Val())
	case "set":
		m := c.SMembers(ctx, key).Val()
		slices.Sort(m)
		return typ + ":" + fmt.Sprint(m)
	case "zset":
		return typ + ":" + fmt.Sprint(c.ZRangeWithScores(ctx, key, 0, -1).Val())
	case "stream":
		return typ + ":" + fmt.Sprint(c.XRange(ctx, key, "-", "+").Val())
	default:
		return typ
	}
}
