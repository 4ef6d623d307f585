package upstash

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
)

func mustClient(t *testing.T, b *Backend) *client {
	t.Helper()
	c, err := b.client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func countRequests(srv *upstashtest.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestRetries429ThenSucceeds(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 429, Count: 2, Path: "/v2/redis/databases", RetryAfter: "2", Shape: upstashtest.ShapeMessage})
	b, rec := newBackend(srv)
	dbs, err := mustClient(t, b).listDatabases(context.Background())
	if err != nil || len(dbs) != 0 {
		t.Fatalf("list: %v, %v", dbs, err)
	}
	if got := rec.get(); !slices.Equal(got, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Errorf("waits %v, want Retry-After honoured twice (2s, 2s)", got)
	}
	if n := countRequests(srv, "GET", "/v2/redis/databases"); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 503, RetryAfter: "86400"})
	b, rec := newBackend(srv)
	if _, err := mustClient(t, b).listDatabases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.get(); !slices.Equal(got, []time.Duration{b.retry.maxRetryAfter}) {
		t.Errorf("waits %v, want one capped wait of %s", got, b.retry.maxRetryAfter)
	}
}

func TestServerErrorsGiveUpCleanly(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 500, Count: 100, Shape: upstashtest.ShapeError, Message: "cluster under maintenance"})
	b, rec := newBackend(srv)
	_, err := mustClient(t, b).listDatabases(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || apiErr.Attempts != 5 {
		t.Fatalf("got %v, want a 500 APIError after 5 attempts", err)
	}
	want := "upstash: list databases: 500 Internal Server Error: cluster under maintenance (5 attempts); "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	if got := rec.get(); len(got) != 4 {
		t.Errorf("waits %v, want 4 backoffs between 5 attempts", got)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 403, 404, 405} {
		srv := startFake(t, upstashtest.Options{NoRedis: true})
		srv.Fail(upstashtest.Fault{Status: status, Shape: upstashtest.ShapeText, Message: "nope"})
		b, rec := newBackend(srv)
		_, err := mustClient(t, b).listDatabases(context.Background())
		if !IsStatus(err, status) || len(srv.Requests()) != 1 || len(rec.get()) != 0 {
			t.Errorf("status %d: got %v after %d requests, want one request and no retry", status, err, len(srv.Requests()))
		}
	}
}

func TestUnauthorizedExplainsCredentials(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := backendWithEnv(map[string]string{EnvEmail: srv.Email, EnvAPIKey: "wrong-key-123", EnvAPIURL: srv.URL})
	_, err := mustClient(t, b).listDatabases(context.Background())
	if !IsStatus(err, http.StatusUnauthorized) {
		t.Fatalf("got %v, want 401", err)
	}
	for _, want := range []string{"401 Unauthorized", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "Vercel", "Fly.io"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong-key-123") {
		t.Errorf("API key in error: %v", err)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("401 retried: %d requests", len(srv.Requests()))
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	b, rec := backendWithEnv(map[string]string{EnvEmail: "a@b.c", EnvAPIKey: "k", EnvAPIURL: "http://" + addr})
	_, err = mustClient(t, b).listDatabases(context.Background())
	var tErr *transportError
	if !errors.As(err, &tErr) || tErr.attempts != 5 || len(rec.get()) != 4 {
		t.Fatalf("got %v (waits %v), want a transport error after 5 attempts", err, rec.get())
	}
	for _, want := range []string{"no answer from " + addr, "connection refused", "UPSTASH_API_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
}

func TestPerRequestTimeout(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.SetLatency(time.Minute)
	b, _ := newBackend(srv)
	b.retry.timeout = 20 * time.Millisecond
	b.retry.attempts = 2
	_, err := mustClient(t, b).listDatabases(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || len(srv.Requests()) != 2 {
		t.Fatalf("got %v after %d requests, want per-request timeouts on 2 attempts", err, len(srv.Requests()))
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 503, Count: 100})
	b, _ := newBackend(srv)
	ctx, cancel := context.WithCancel(context.Background())
	b.retry.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	_, err := mustClient(t, b).listDatabases(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") || len(srv.Requests()) != 1 {
		t.Errorf("got %v after %d requests, want an interruption after the first", err, len(srv.Requests()))
	}
}

func TestRequestShape(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	c := mustClient(t, b)
	ctx := context.Background()
	db, err := c.createDatabase(ctx, createBody(mustSpec(t, b, `
upstash {
  name           = "shape"
  primary_region = "europe-west1"
  budget         = 7
}`)))
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		c.renameDatabase(ctx, db.ID, "renamed"),
		c.setEviction(ctx, db.ID, true),
		c.updateBudget(ctx, db.ID, 9),
		c.updateRegions(ctx, db.ID, nil),
		c.changePlan(ctx, db.ID, "payg"),
		c.deleteDatabase(ctx, db.ID),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	want := []string{
		"POST /v2/redis/database",
		"POST /v2/redis/rename/" + db.ID,
		"POST /v2/redis/enable-eviction/" + db.ID,
		"PATCH /v2/redis/update-budget/" + db.ID,
		"POST /v2/redis/update-regions/" + db.ID,
		"POST /v2/redis/" + db.ID + "/change-plan",
		"DELETE /v2/redis/database/" + db.ID,
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantCreate := `{"database_name":"shape","platform":"gcp","primary_region":"europe-west1","region":"global","eviction":false,"budget":7,"tls":true}`
	if body := srv.Requests()[0].Body; body != wantCreate {
		t.Errorf("create body %s, want %s", body, wantCreate)
	}
}
