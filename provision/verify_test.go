package provision

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

const verifyPassword = "s3cret-verify-pw"

// adminClient talks to s behind the probe's back, to read what it did.
func adminClient(t *testing.T, s *redistest.Server) *redis.Client {
	t.Helper()
	opt := &redis.Options{Addr: s.Addr(), Password: s.Password, Protocol: 2, DisableIdentity: true}
	if s.CACertPEM != nil {
		opt.TLSConfig = &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// commandCalls reads INFO commandstats: calls per command, leaving out the
// commands Upstash does not bill and the admin client's own.
func commandCalls(t *testing.T, admin *redis.Client) map[string]int {
	t.Helper()
	info, err := admin.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	free := []string{"hello", "auth", "ping", "info", "config"}
	calls := map[string]int{}
	for _, line := range strings.Split(info, "\r\n") {
		name, stats, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || line == name || slices.Contains(free, strings.Split(name, "|")[0]) {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(stats, "calls=%d,", &n); err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		calls[name] = n
	}
	return calls
}

// assertNoRejected fails if the server rejected any command: rejected
// commands are missing from INFO commandstats yet may still be billed.
func assertNoRejected(t *testing.T, admin *redis.Client) {
	t.Helper()
	info, err := admin.Info(context.Background(), "errorstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(info, "errorstat_") {
		t.Errorf("the server rejected commands: %s", info)
	}
}

func sum(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

func dbSize(t *testing.T, admin *redis.Client) int64 {
	t.Helper()
	n, err := admin.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertNoSecret fails if anything printable in res holds a secret.
func assertNoSecret(t *testing.T, res *VerifyResult, secrets ...string) {
	t.Helper()
	texts := []string{res.Summary()}
	if res.Err != nil {
		texts = append(texts, res.Err.Error())
	}
	for _, c := range res.Checks {
		texts = append(texts, c.Detail)
	}
	for _, text := range texts {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("secret %q leaked in %q", secret, text)
			}
		}
	}
}

func verifyOK(t *testing.T, inst *Instance, opts VerifyOptions) *VerifyResult {
	t.Helper()
	res := Verify(context.Background(), inst, opts)
	if !res.Passed || res.Failure != "" || res.Err != nil || res.Unreachable {
		t.Fatalf("Verify = passed %v, failure %q, err %v", res.Passed, res.Failure, res.Err)
	}
	return res
}

func verifyFails(t *testing.T, inst *Instance, opts VerifyOptions, failure, says string) *VerifyResult {
	t.Helper()
	res := Verify(context.Background(), inst, opts)
	if res.Passed || res.Unreachable || res.Failure != failure {
		t.Fatalf("Verify = passed %v, unreachable %v, failure %q (err %v); want failure %q", res.Passed, res.Unreachable, res.Failure, res.Err, failure)
	}
	if res.Err == nil || !strings.Contains(res.Err.Error(), says) {
		t.Errorf("Err = %v, want it to say %q", res.Err, says)
	}
	assertNoSecret(t, res, verifyPassword, inst.URL)
	return res
}

func TestVerifyChannelsLeavesNothingAndCountsBilling(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword})
	admin := adminClient(t, s)
	res := verifyOK(t, &Instance{URL: s.URL("")}, VerifyOptions{Channels: true})

	calls := commandCalls(t, admin)
	assertNoRejected(t, admin)
	want := map[string]int{"eval": 1, "zremrangebyscore": 1, "zcount": 1, "zadd": 1, "expire": 1, "zrange": 1, "del": 1, "bzpopmin": 1}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("billable commands seen by the server = %v, want %v", calls, want)
	}
	if res.BillableCommands != sum(calls) {
		t.Errorf("BillableCommands = %d, server counted %d", res.BillableCommands, sum(calls))
	}
	if n := dbSize(t, admin); n != 0 {
		t.Errorf("DBSIZE after verify = %d, want 0", n)
	}
	var names []string
	for _, c := range res.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "ping,latency,channels" {
		t.Errorf("checks = %s", got)
	}
	if res.LatencyMedian <= 0 || res.LatencyWorst < res.LatencyMedian {
		t.Errorf("latency median %v worst %v", res.LatencyMedian, res.LatencyWorst)
	}
	if sum := res.Summary(); !strings.HasPrefix(sum, "verified: PING ok, channel layer ok, pub/sub skipped, latency median ") ||
		!strings.HasSuffix(sum, ", 8 billable commands") {
		t.Errorf("Summary() = %q", sum)
	}
	assertNoSecret(t, res, verifyPassword)
}

func TestVerifyPubSub(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword})
	admin := adminClient(t, s)
	res := verifyOK(t, &Instance{URL: s.URL("")}, VerifyOptions{Channels: true, PubSub: true})
	calls := commandCalls(t, admin)
	assertNoRejected(t, admin)
	if calls["subscribe"] != 1 || calls["publish"] != 1 {
		t.Errorf("server saw %v, want one SUBSCRIBE and one PUBLISH", calls)
	}
	if res.BillableCommands != sum(calls) || res.BillableCommands > 10 {
		t.Errorf("BillableCommands = %d, server counted %d, budget 10", res.BillableCommands, sum(calls))
	}
	if !strings.Contains(res.Summary(), "pub/sub ok") {
		t.Errorf("Summary() = %q", res.Summary())
	}
	if n := dbSize(t, admin); n != 0 {
		t.Errorf("DBSIZE after verify = %d, want 0", n)
	}
}

func TestVerifyPingOnly(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword})
	admin := adminClient(t, s)
	res := verifyOK(t, &Instance{URL: s.URL("")}, VerifyOptions{})
	assertNoRejected(t, admin)
	if calls := commandCalls(t, admin); len(calls) != 0 || res.BillableCommands != 0 {
		t.Errorf("PING-only verify sent billable %v (counted %d)", calls, res.BillableCommands)
	}
	if !strings.Contains(res.Summary(), "channel layer skipped, pub/sub skipped") {
		t.Errorf("Summary() = %q", res.Summary())
	}
}

func TestVerifyTLS(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword, TLS: true, Hostnames: []string{"localhost"}})
	verifyOK(t, &Instance{URL: s.URL("localhost"), CACert: s.CACertPEM}, VerifyOptions{Channels: true, PubSub: true})

	res := verifyFails(t, &Instance{URL: s.URL("localhost")}, VerifyOptions{Channels: true}, FailureTLS, "SSL_CERT_FILE")
	if len(res.Checks) != 1 || res.Checks[0].Name != "ping" || res.Checks[0].Passed {
		t.Errorf("checks = %+v, want one failed ping", res.Checks)
	}
	// Certificate checks stay on whatever the URL asks for.
	verifyFails(t, &Instance{URL: s.URL("localhost") + "?skip_verify=true"}, VerifyOptions{}, FailureTLS, "certificate")
}

func TestVerifyTLSHostName(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword, TLS: true, Hostnames: []string{"db.example.test"}})
	verifyFails(t, &Instance{URL: s.URL("localhost"), CACert: s.CACertPEM}, VerifyOptions{}, FailureTLS, "localhost")
}

func TestVerifyWrongPassword(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword + "-real"})
	url := strings.Replace(s.URL(""), verifyPassword+"-real", verifyPassword, 1)
	res := verifyFails(t, &Instance{URL: url}, VerifyOptions{Channels: true}, FailureAuth, "password in the URL")
	assertNoSecret(t, res, verifyPassword+"-real")

	noPassword := "redis://" + s.Addr()
	verifyFails(t, &Instance{URL: noPassword}, VerifyOptions{}, FailureAuth, "password in the URL")
}

func TestVerifyRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	verifyFails(t, &Instance{URL: "redis://default:" + verifyPassword + "@" + addr}, VerifyOptions{}, FailureRefused, "refused")
}

func TestVerifyTimeout(t *testing.T) {
	// Accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	url := "redis://default:" + verifyPassword + "@" + l.Addr().String()
	verifyFails(t, &Instance{URL: url}, VerifyOptions{Timeout: 300 * time.Millisecond}, FailureTimeout, "no answer within 300ms")
}

func TestVerifyWithoutEval(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword, ExtraConfig: []string{`rename-command EVAL ""`}})
	admin := adminClient(t, s)
	res := verifyFails(t, &Instance{URL: s.URL("")}, VerifyOptions{Channels: true}, FailureCommand, "Redis >= 5")
	if last := res.Checks[len(res.Checks)-1]; last.Name != "channels" || last.Passed {
		t.Errorf("last check = %+v, want a failed channels check", last)
	}
	if n := dbSize(t, admin); n != 0 {
		t.Errorf("DBSIZE = %d, want 0", n)
	}
}

func TestVerifyUnreachableMakesNoConnection(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword})
	admin := adminClient(t, s)
	before := connectionsReceived(t, admin)
	res := Verify(context.Background(), &Instance{URL: s.URL(""), Unreachable: true}, VerifyOptions{Channels: true})
	if !res.Unreachable || res.Passed || res.Failure != "" {
		t.Fatalf("Verify = unreachable %v, passed %v, failure %q", res.Unreachable, res.Passed, res.Failure)
	}
	if after := connectionsReceived(t, admin); after != before {
		t.Errorf("server received %d connections, want none", after-before)
	}
	if !strings.HasPrefix(res.Summary(), "not reachable from here") {
		t.Errorf("Summary() = %q", res.Summary())
	}
}

func connectionsReceived(t *testing.T, admin *redis.Client) int {
	t.Helper()
	info, err := admin.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_connections_received:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no total_connections_received in INFO stats")
	return 0
}

func TestVerifyBadURLHidesIt(t *testing.T) {
	url := "redis://default:" + verifyPassword + "@127.0.0.1:notaport%zz"
	verifyFails(t, &Instance{URL: url}, VerifyOptions{}, FailureConnect, "not a valid redis://")
}

func TestVerifyBadCACert(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword, TLS: true})
	verifyFails(t, &Instance{URL: s.URL("localhost"), CACert: []byte("not a PEM")}, VerifyOptions{}, FailureConnect, "SSL_CERT_FILE")
}

func TestVerifyInterrupted(t *testing.T) {
	s := redistest.Start(t, redistest.Options{Password: verifyPassword})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Verify(ctx, &Instance{URL: s.URL("")}, VerifyOptions{})
	if res.Passed || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("Verify with a cancelled context = passed %v, err %v; want context.Canceled", res.Passed, res.Err)
	}
	assertNoSecret(t, res, verifyPassword)
}

func TestPrivateDialFailure(t *testing.T) {
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	noRoute := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	readTimeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		host string
		err  error
		want bool
	}{
		{"10.1.2.3", dialTimeout, true},
		{"10.1.2.3", fmt.Errorf("redis: %w", noRoute), true},
		{"10.1.2.3", refused, false},
		{"10.1.2.3", readTimeout, false},
		{"127.0.0.1", dialTimeout, false},
		{"db.example.test", dialTimeout, false},
	} {
		if got := privateDialFailure(tc.host, tc.err); got != tc.want {
			t.Errorf("privateDialFailure(%s, %v) = %v, want %v", tc.host, tc.err, got, tc.want)
		}
	}
}
