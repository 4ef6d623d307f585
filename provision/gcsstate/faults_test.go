package gcsstate_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rediskit/rediskit/internal/nettest"
	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/gcsstate"
	"github.com/rediskit/rediskit/provision/gcsstate/gcstest"
)

// fastConfig retries at once, so that the matrix runs quickly.
var fastConfig = gcsstate.Config{Prefix: "p", RetryBackoff: time.Millisecond}

// gcsCall is one Cloud Storage request the state store makes: setup brings
// the bucket (and the store) to where run makes it, and check says whether
// a run that succeeded did its job.
type gcsCall struct {
	name   string
	method string // the HTTP method of the request to fail
	object string // the object the request names, when the fake can tell
	setup  func(t *testing.T, s *gcsstate.Store) string
	run    func(ctx context.Context, s *gcsstate.Store, id string) error
	check  func(t *testing.T, srv *gcstest.Server)
}

func gcsCalls() []gcsCall {
	written := func(t *testing.T, s *gcsstate.Store) string {
		if err := s.Write(t.Context(), provision.NewState("lineage")); err != nil {
			t.Fatal(err)
		}
		return ""
	}
	locked := func(t *testing.T, s *gcsstate.Store) string {
		id, err := s.Lock(t.Context(), provision.LockInfo{Operation: "apply"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	lockedByAnother := func(t *testing.T, _ *gcsstate.Store) string {
		return locked(t, newStore(t, fastConfig))
	}
	stateIs := func(serial int64) func(t *testing.T, srv *gcstest.Server) {
		return func(t *testing.T, srv *gcstest.Server) {
			data, _, ok := srv.Object(bucket, "p/default.rediskit.json")
			st, err := provision.DecodeState(data, "state")
			if !ok || err != nil || st.Serial != serial {
				t.Errorf("state after the retries: %v, %v; want serial %d", st, err, serial)
			}
		}
	}
	lockIs := func(held bool) func(t *testing.T, srv *gcstest.Server) {
		return func(t *testing.T, srv *gcstest.Server) {
			if _, _, ok := srv.Object(bucket, "p/default.rediskit.lock"); ok != held {
				t.Errorf("lock object there: %v, want %v", ok, held)
			}
		}
	}
	return []gcsCall{
		{name: "read state", method: http.MethodGet, object: "default.rediskit.json", setup: written,
			run: func(ctx context.Context, s *gcsstate.Store, _ string) error {
				st, err := s.Read(ctx)
				if err == nil && (st == nil || st.Serial != 1) {
					return errors.New("read the wrong state")
				}
				return err
			}},
		{name: "write state", method: http.MethodPost, setup: written,
			run: func(ctx context.Context, s *gcsstate.Store, _ string) error {
				return s.Write(ctx, provision.NewState("lineage"))
			}, check: stateIs(2)},
		{name: "take lock", method: http.MethodPost,
			run: func(ctx context.Context, s *gcsstate.Store, _ string) error {
				_, err := s.Lock(ctx, provision.LockInfo{Operation: "apply"})
				return err
			}, check: lockIs(true)},
		{name: "read held lock", method: http.MethodGet, object: "default.rediskit.lock", setup: lockedByAnother,
			run: func(ctx context.Context, s *gcsstate.Store, _ string) error {
				_, err := s.Lock(ctx, provision.LockInfo{Operation: "apply"})
				var held *provision.LockError
				if errors.As(err, &held) {
					return nil // the outcome wanted: told who holds it
				}
				if err == nil {
					return errors.New("took a held lock")
				}
				return err
			}, check: lockIs(true)},
		{name: "release lock", method: http.MethodDelete, object: "default.rediskit.lock", setup: locked,
			run: func(ctx context.Context, s *gcsstate.Store, id string) error {
				return s.Unlock(ctx, id)
			}, check: lockIs(false)},
	}
}

type gcsFault struct {
	name      string
	status    int
	message   string
	lost      bool
	transient bool
	want      []string
}

func gcsFaults() []gcsFault {
	return []gcsFault{
		{name: "429", status: http.StatusTooManyRequests, message: "The object exceeded the rate limit for object mutation operations", transient: true},
		{name: "503", status: http.StatusServiceUnavailable, transient: true},
		{name: "500", status: http.StatusInternalServerError, transient: true},
		{name: "503 after taking effect", status: http.StatusServiceUnavailable, lost: true, transient: true},
		{name: "403", status: http.StatusForbidden,
			message: "ci@acme-prod.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.",
			want:    []string{"403", "storage.objects.create", "roles/storage.objectUser on bucket " + bucket}},
		{name: "400", status: http.StatusBadRequest, message: "Invalid argument.", want: []string{"400", "Invalid argument."}},
	}
}

// TestFaultMatrix makes every request of the state store fail in every
// way: transient statuses (also after the request took effect) are
// retried and the operation does its job; permanent ones fail after
// exactly one request, naming the object and what is missing.
func TestFaultMatrix(t *testing.T) {
	for _, call := range gcsCalls() {
		for _, fc := range gcsFaults() {
			t.Run(call.name+"/"+fc.name, func(t *testing.T) {
				srv := startServer(t)
				s := newStore(t, fastConfig)
				var id string
				if call.setup != nil {
					id = call.setup(t, s)
				}
				before := srv.Calls(call.method)
				count := 1
				if fc.transient && !fc.lost {
					count = 2
				}
				srv.Fail(gcstest.Fault{Method: call.method, Object: call.object, Status: fc.status, Message: fc.message, Count: count, Lost: fc.lost})

				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				err := call.run(ctx, s, id)
				seen := srv.Calls(call.method) - before
				srv.Reset()
				if fc.transient {
					if err != nil || seen < count+1 {
						t.Fatalf("got %v after %d requests, want success after the retries", err, seen)
					}
					if call.check != nil {
						call.check(t, srv)
					}
					return
				}
				if err == nil || seen != 1 {
					t.Fatalf("got %v after %d requests, want an error after exactly one", err, seen)
				}
				for _, want := range append([]string{"gs://" + bucket + "/p/"}, fc.want...) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
			})
		}
	}
}

// TestFaultMatrixTimeout points the store at an endpoint that accepts
// connections and never answers: each operation is cut at the call
// timeout with an error that says so.
func TestFaultMatrixTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	t.Setenv("STORAGE_EMULATOR_HOST", nettest.BlackHole(t))
	s := newStore(t, gcsstate.Config{Prefix: "p", CallTimeout: timeout, RetryBackoff: time.Millisecond})

	// Loose bound: one timeout, three times over.
	nettest.ExpectCut(t, 3*timeout, func(ctx context.Context) error {
		_, err := s.Lock(ctx, provision.LockInfo{Operation: "apply"})
		return err
	}, "gs://"+bucket+"/p/default.rediskit.lock", "no answer from Cloud Storage within 100ms", "run the command again")
}

// TestBrokenConnectionsAreRetried points the store at an endpoint that
// accepts each connection and closes it unanswered: the request is tried
// the policy's five times, then fails saying what to check.
func TestBrokenConnectionsAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	t.Setenv("STORAGE_EMULATOR_HOST", ln.Addr().String())
	s := newStore(t, fastConfig)

	_, err = s.Read(t.Context())
	if err == nil || !strings.Contains(err.Error(), "gs://"+bucket+"/p/default.rediskit.json") || !strings.Contains(err.Error(), "check the network") {
		t.Fatalf("Read from an endpoint that hangs up: err = %v; want one naming the object and saying to check the network", err)
	}
	if n := accepted.Load(); n != 5 {
		t.Errorf("%d connections; want 5, one per attempt (last error: %v)", n, err)
	}
}
