package rediscopy

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// Keys deleted or expired between SCAN and the read are skipped, not
// failed, on both paths.
func TestCopySkipsKeysGoneMeanwhile(t *testing.T) {
	for name, dstOpts := range map[string]redistest.Options{"dump-restore": {}, "typed": noRestore} {
		t.Run(name, func(t *testing.T) {
			src, from := server(t, redistest.Options{})
			dst, to := server(t, dstOpts)
			n := fill(t, src, fixture{n: smallKeys})
			gone := 0
			opts := Options{hooks: &hooks{afterScan: func(keys []string) {
				if gone > 0 {
					return
				}
				ctx := context.Background()
				for i, k := range keys[:min(200, len(keys))] {
					if i%2 == 0 {
						src.Del(ctx, k)
					} else {
						src.PExpire(ctx, k, time.Millisecond)
					}
					gone++
				}
				time.Sleep(5 * time.Millisecond)
			}}}
			res, err := Copy(context.Background(), from, to, opts)
			if err != nil {
				t.Fatal(err)
			}
			wantCounts(t, res, n-gone, gone)
			assertSame(t, src, dst)
		})
	}
}

// A target out of memory refuses some keys: they are counted, named and
// reported, never silently dropped, and not left half-written.
func TestCopyReportsFailedKeys(t *testing.T) {
	for name, dstOpts := range map[string]redistest.Options{"dump-restore": {}, "typed": noRestore} {
		t.Run(name, func(t *testing.T) {
			src, from := server(t, redistest.Options{})
			dstOpts.ExtraConfig = append(dstOpts.ExtraConfig, "maxmemory-policy noeviction")
			dst, to := server(t, dstOpts)
			n := fill(t, src, fixture{n: smallKeys, big: true, streamExtras: true})
			ctx := context.Background()
			used := usedMemory(t, dst)
			dst.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used+400<<10, 10))
			res, err := Copy(ctx, from, to, Options{})
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("error %v, want ErrIncomplete", err)
			}
			if res.Failed == 0 || res.Copied == 0 || res.Copied+res.Failed+res.Skipped != int64(n) {
				t.Fatalf("copied %d, failed %d, skipped %d of %d", res.Copied, res.Failed, res.Skipped, n)
			}
			if len(res.FailedKeys) != int(min(res.Failed, MaxFailedKeys)) {
				t.Errorf("%d failed keys named, want %d", len(res.FailedKeys), min(res.Failed, MaxFailedKeys))
			}
			for _, k := range res.FailedKeys {
				if dst.Exists(ctx, k).Val() != 0 {
					t.Errorf("failed key %q is on the target", k)
				}
			}
			msg := err.Error()
			if !strings.Contains(msg, strconv.FormatInt(res.Failed, 10)) || !strings.Contains(msg, "OOM") {
				t.Errorf("error does not say how many keys failed and why: %s", msg)
			}
			if copied := dst.DBSize(ctx).Val(); copied != res.Copied {
				t.Errorf("target holds %d keys, result says %d copied", copied, res.Copied)
			}
			assertNoSecret(t, err, to.URL, from.URL)
		})
	}
}

func usedMemory(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info := c.Info(context.Background(), "memory").Val()
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no used_memory in INFO")
	return 0
}

func TestCopyCancelled(t *testing.T) {
	src, from := server(t, redistest.Options{})
	_, to := server(t, redistest.Options{})
	n := fill(t, src, fixture{n: smallKeys})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{Batch: 100, ProgressEvery: time.Millisecond, Progress: func(p Progress) {
		if p.Keys > 0 {
			cancel()
		}
	}}
	res, err := Copy(ctx, from, to, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if res == nil || res.Copied == 0 || res.Copied >= int64(n) {
		t.Errorf("result %+v, want a partial copy", res)
	}
	if !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("error does not say the copy was interrupted: %v", err)
	}
}

func TestCopyErrorsHideSecrets(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: "s3cr3t-Pa55word"})
	good := Endpoint{URL: s.URL("")}
	wrong := *must(url.Parse(s.URL("")))
	wrong.User = url.UserPassword("default", "wr0ng-Pa55word")
	closed := wrong
	closed.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	cases := map[string][2]Endpoint{
		"wrong password":   {good, {URL: wrong.String()}},
		"nothing there":    {{URL: closed.String()}, good},
		"not a URL":        {{URL: "redis://:s3cr3t-Pa55word@127.0.0.1:bad port/%zz"}, good},
		"not PEM":          {good, {URL: "rediss://:s3cr3t-Pa55word@127.0.0.1:1", CACert: []byte("junk")}},
		"wrong scheme":     {{URL: "http://:s3cr3t-Pa55word@127.0.0.1:1"}, good},
		"wrong password 2": {{URL: wrong.String()}, good},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Copy(context.Background(), c[0], c[1], Options{})
			if err == nil {
				t.Fatalf("copy succeeded: %+v", res)
			}
			assertNoSecret(t, err, "s3cr3t-Pa55word", "wr0ng-Pa55word", good.URL, wrong.String())
			if !strings.Contains(err.Error(), "; ") {
				t.Errorf("error gives no next step: %v", err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error reveals a secret: %v", err)
		}
	}
}

// A short password is not scrubbed from inside ordinary words, which would
// mangle the message and reveal the password; the URL always is.
func TestScrubLeavesWordsWhole(t *testing.T) {
	url := "redis://:x@127.0.0.1:1"
	msg := scrub("context deadline exceeded at "+url, secrets(url, "x"))
	if msg != "context deadline exceeded at ****" {
		t.Errorf("scrub = %q", msg)
	}
	long := "redis://:s3cr3t-Pa55word@h:1"
	if msg := scrub("echo s3cr3t-Pa55word", secrets(long, "s3cr3t-Pa55word")); msg != "echo ****" {
		t.Errorf("scrub = %q", msg)
	}
}
