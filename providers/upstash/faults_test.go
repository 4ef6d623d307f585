package upstash

import (
	"context"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
)

// apiCall is one Upstash API call rediskit makes, as the fault matrix sees it.
type apiCall struct {
	name   string
	method string
	path   string // path.Match pattern; "ID" is replaced by the database's id
	// resource must appear in every error the call returns.
	resource string
	// bestEffort calls are not retried on purpose: their caller has a
	// fallback (usage statistics fall back to the stack's usage block).
	bestEffort bool
	run        func(ctx context.Context, t *testing.T, b *Backend, c *client, id string) error
}

func upstashCalls() []apiCall {
	return []apiCall{
		{"list", "GET", "/v2/redis/databases", "list databases", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, _ string) error {
			_, err := c.listDatabases(ctx)
			return err
		}},
		{"read", "GET", "/v2/redis/database/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			_, err := c.getDatabase(ctx, id, true)
			return err
		}},
		{"create", "POST", "/v2/redis/database", `"acme-ws"`, false, func(ctx context.Context, t *testing.T, b *Backend, c *client, _ string) error {
			spec := mustSpec(t, b, strings.Replace(channelsBlock, `"acme-channels"`, `"acme-ws"`, 1))
			_, err := b.createOrAdopt(ctx, c, spec, (&recorder{}).request(spec, nil))
			return err
		}},
		{"delete", "DELETE", "/v2/redis/database/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.deleteDatabase(ctx, id)
		}},
		{"rename", "POST", "/v2/redis/rename/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.renameDatabase(ctx, id, "acme-renamed")
		}},
		{"eviction", "POST", "/v2/redis/enable-eviction/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.setEviction(ctx, id, true)
		}},
		{"budget", "PATCH", "/v2/redis/update-budget/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.updateBudget(ctx, id, 50)
		}},
		{"regions", "POST", "/v2/redis/update-regions/ID", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.updateRegions(ctx, id, []string{"us-east-1"})
		}},
		{"plan", "POST", "/v2/redis/ID/change-plan", "database ID", false, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			return c.changePlan(ctx, id, "payg")
		}},
		{"stats", "GET", "/v2/redis/stats/ID", "database ID", true, func(ctx context.Context, _ *testing.T, _ *Backend, c *client, id string) error {
			_, err := c.getStats(ctx, id)
			return err
		}},
	}
}

// faultCase is one row of the matrix: what the fake answers and what the
// call must do about it.
type faultCase struct {
	name      string
	fault     upstashtest.Fault
	transient bool
	want      []string // substrings of the error of a permanent fault
}

func upstashFaults() []faultCase {
	return []faultCase{
		{name: "429", fault: upstashtest.Fault{Status: 429, Count: 2, RetryAfter: "1"}, transient: true},
		{name: "503", fault: upstashtest.Fault{Status: 503, Count: 2}, transient: true},
		{name: "400", fault: upstashtest.Fault{Status: 400, Shape: upstashtest.ShapeError, Message: "budget must be at least 1, got -5"},
			want: []string{"400 Bad Request", "budget must be at least 1, got -5"}},
		{name: "403", fault: upstashtest.Fault{Status: 403, Message: "Forbidden"},
			want: []string{"403 Forbidden", "UPSTASH_API_KEY", "full (not read-only) access"}},
	}
}

// TestFaultMatrix walks every API call through every kind of fault: transient
// ones are retried until the call succeeds, permanent ones fail after exactly
// one request with a message naming the resource and what is wrong.
func TestFaultMatrix(t *testing.T) {
	for _, call := range upstashCalls() {
		for _, fc := range upstashFaults() {
			t.Run(call.name+"/"+fc.name, func(t *testing.T) {
				srv := startFake(t, upstashtest.Options{NoRedis: true})
				b, rec := newBackend(srv)
				c := mustClient(t, b)
				ctx := context.Background()
				id := seedDatabase(t, b, c)
				pattern := strings.ReplaceAll(call.path, "ID", id)
				before := countMatching(srv, call.method, pattern)
				fault := fc.fault
				fault.Method, fault.Path = call.method, pattern
				srv.Fail(fault)

				err := call.run(ctx, t, b, c, id)
				seen := countMatching(srv, call.method, pattern) - before
				if fc.transient && call.bestEffort {
					if err == nil || seen != 1 || !retryable(err) {
						t.Fatalf("best-effort call: got %v after %d requests, want one request and a transient error", err, seen)
					}
					return
				}
				if fc.transient {
					if err != nil || seen != 3 {
						t.Fatalf("got %v after %d requests, want success on the third", err, seen)
					}
					if len(rec.get()) < 2 {
						t.Errorf("retried without waiting: waits %v", rec.get())
					}
					return
				}
				if err == nil || seen != 1 {
					t.Fatalf("got %v after %d requests, want an error after exactly one", err, seen)
				}
				for _, want := range append([]string{strings.ReplaceAll(call.resource, "ID", id)}, fc.want...) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				if strings.Contains(err.Error(), srv.APIKey) {
					t.Errorf("error leaks the API key: %v", err)
				}
			})
		}
	}
}

// TestFaultMatrixTimeout checks that an API that never answers costs at most
// the per-request timeout per attempt, not a hang.
func TestFaultMatrixTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, call := range upstashCalls() {
		t.Run(call.name, func(t *testing.T) {
			srv := startFake(t, upstashtest.Options{NoRedis: true})
			b, _ := newBackend(srv)
			c := mustClient(t, b)
			id := seedDatabase(t, b, c)
			c.retry.timeout, c.retry.attempts = timeout, 2
			srv.SetLatency(10 * time.Second)

			start := time.Now()
			err := call.run(context.Background(), t, b, c, id)
			elapsed := time.Since(start)
			// Loose bound: every attempt is cut at the timeout, and create
			// also searches before it retries.
			if bound := 3 * 3 * timeout; err == nil || elapsed > bound {
				t.Fatalf("got %v after %v, want an error within %v", err, elapsed, bound)
			}
			if !strings.Contains(err.Error(), "no answer from") {
				t.Errorf("error %q does not say the API did not answer", err)
			}
		})
	}
}

// seedDatabase creates the database the per-database calls work on.
func seedDatabase(t *testing.T, b *Backend, c *client) string {
	t.Helper()
	db, err := c.createDatabase(context.Background(), createBody(mustSpec(t, b, channelsBlock)))
	if err != nil {
		t.Fatal(err)
	}
	return db.ID
}

func countMatching(srv *upstashtest.Server, method, pattern string) int {
	n := 0
	for _, r := range srv.Requests() {
		if ok, _ := path.Match(pattern, r.Path); ok && r.Method == method {
			n++
		}
	}
	return n
}
