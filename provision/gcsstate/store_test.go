package gcsstate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
	"github.com/rediskit/rediskit/provision/gcsstate"
	"github.com/rediskit/rediskit/provision/gcsstate/gcstest"
	"github.com/rediskit/rediskit/provision/provisiontest"
)

const bucket = "state-bucket"

// startServer starts the fake and points the storage client at it.
func startServer(t *testing.T) *gcstest.Server {
	t.Helper()
	srv, err := gcstest.Start(bucket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("STORAGE_EMULATOR_HOST", srv.Host())
	return srv
}

func newStore(t *testing.T, cfg gcsstate.Config) *gcsstate.Store {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket = bucket
	}
	s := gcsstate.New(cfg)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	startServer(t)
	provisiontest.RunStateStoreTests(t, func(t *testing.T) provision.StateStore {
		return newStore(t, gcsstate.Config{Prefix: t.Name()})
	})
}

func TestDescribeNamesTheStateObject(t *testing.T) {
	s := gcsstate.New(gcsstate.Config{Bucket: "b", Prefix: "team/app"})
	if got, want := s.Describe(), "gs://b/team/app/default.rediskit.json"; got != want {
		t.Errorf("Describe() = %q; want %q", got, want)
	}
}

func TestWriteAfterSomeoneElseWroteIsRefused(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	cfg := gcsstate.Config{Prefix: "p"}
	if err := newStore(t, cfg).Write(ctx, provision.NewState("lin")); err != nil {
		t.Fatal(err)
	}
	mine, theirs := newStore(t, cfg), newStore(t, cfg)
	st, err := mine.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other := provision.NewState("lin")
	other.EnsureRedis("theirs")
	if err := theirs.Write(ctx, other); err != nil {
		t.Fatal(err)
	}
	stored, _, _ := srv.Object(bucket, "p/default.rediskit.json")

	st.EnsureRedis("mine")
	err = mine.Write(ctx, st)
	if !errors.Is(err, gcsstate.ErrConflict) {
		t.Fatalf("Write from a stale read: err = %v; want one wrapping ErrConflict", err)
	}
	for _, want := range []string{"gs://state-bucket/p/default.rediskit.json", "rediskit plan"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after, _, _ := srv.Object(bucket, "p/default.rediskit.json"); !bytes.Equal(after, stored) {
		t.Errorf("the refused Write changed the stored state:\n%s", after)
	}

	// Having read again, the writer may write.
	if st, err = mine.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mine.Write(ctx, st); err != nil {
		t.Fatalf("Write after reading again: %v", err)
	}
	if st.Serial != 3 {
		t.Errorf("serial = %d; want 3", st.Serial)
	}
}

func TestFirstWriteAfterSomeoneCreatedTheStateIsRefused(t *testing.T) {
	startServer(t)
	ctx := t.Context()
	mine, theirs := newStore(t, gcsstate.Config{}), newStore(t, gcsstate.Config{})
	if st, err := mine.Read(ctx); st != nil || err != nil {
		t.Fatalf("Read = %v, %v; want nil, nil", st, err)
	}
	if err := theirs.Write(ctx, provision.NewState("lin")); err != nil {
		t.Fatal(err)
	}
	if err := mine.Write(ctx, provision.NewState("lin")); !errors.Is(err, gcsstate.ErrConflict) {
		t.Fatalf("Write after reading no state, when someone has since created it: err = %v; want ErrConflict", err)
	}
}

// TestUnlockWithAnOldGenerationKeepsTheNewLock checks the delete precondition
// (which fake-gcs-server alone does not enforce, hence gcstest's front): an
// id from an earlier lock must not release the lock someone took since.
func TestUnlockWithAnOldGenerationKeepsTheNewLock(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	first, second := newStore(t, gcsstate.Config{}), newStore(t, gcsstate.Config{})
	old, err := first.Lock(ctx, provision.LockInfo{Operation: "apply", Who: "a@x", Host: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Unlock(ctx, old); err != nil {
		t.Fatal(err)
	}
	current, err := second.Lock(ctx, provision.LockInfo{Operation: "apply", Who: "b@y", Host: "y"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*gcsstate.Store{first, second, newStore(t, gcsstate.Config{})} {
		err := s.Unlock(ctx, old)
		if err == nil {
			t.Fatalf("Unlock(%s) with the earlier lock's id succeeded; want an error", old)
		}
		if !strings.Contains(err.Error(), "rediskit state unlock "+current) {
			t.Errorf("error %q does not point at the current lock id %s", err, current)
		}
	}
	_, gen, ok := srv.Object(bucket, "rediskit/default.rediskit.lock")
	if !ok || strconv.FormatInt(gen, 10) != current {
		t.Fatalf("lock object exists=%v generation %d; want the second lock, generation %s", ok, gen, current)
	}
	if err := second.Unlock(ctx, current); err != nil {
		t.Fatalf("Unlock(%s): %v", current, err)
	}
	if err := second.Unlock(ctx, current); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("Unlock of a released lock: err = %v; want one saying it is not locked", err)
	}
}

func TestLockObjectRecordsTheHolder(t *testing.T) {
	srv := startServer(t)
	env := map[string]string{"USER": "ci", "CI_JOB_URL": "https://gitlab.example/job/7"}
	info := provision.NewLockInfo("apply", "", "v1.2.3", func(k string) string { return env[k] })
	id, err := newStore(t, gcsstate.Config{Prefix: "app"}).Lock(t.Context(), info)
	if err != nil {
		t.Fatal(err)
	}
	data, gen, ok := srv.Object(bucket, "app/default.rediskit.lock")
	if !ok || strconv.FormatInt(gen, 10) != id {
		t.Fatalf("lock object exists=%v generation %d; want generation %s", ok, gen, id)
	}
	var got provision.LockInfo
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("lock body is not LockInfo JSON: %v\n%s", err, data)
	}
	if got.Who != info.Who || got.Host != info.Host || got.JobURL != "https://gitlab.example/job/7" ||
		got.Operation != "apply" || !got.Created.Equal(info.Created) || got.Path != "gs://state-bucket/app/default.rediskit.json" {
		t.Errorf("lock body = %+v; want the holder %+v at the state's URL", got, info)
	}
}

func TestOldLockIsReportedAsProbablyStale(t *testing.T) {
	startServer(t)
	ctx := t.Context()
	id, err := newStore(t, gcsstate.Config{}).Lock(ctx, provision.LockInfo{Operation: "apply", Who: "a@x", Host: "x"})
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(3 * time.Hour) }
	tests := []struct {
		name  string
		cfg   gcsstate.Config
		stale bool
	}{
		{"fresh", gcsstate.Config{}, false},
		{"past the default age", gcsstate.Config{Now: later}, true},
		{"within a longer configured age", gcsstate.Config{Now: later, LockStaleAfter: 4 * time.Hour}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newStore(t, tc.cfg).Lock(ctx, provision.LockInfo{Operation: "plan"})
			var held *provision.LockError
			if !errors.As(err, &held) || held.Info.ID != id {
				t.Fatalf("Lock: err = %v; want a *LockError for lock %s", err, id)
			}
			if got := strings.Contains(err.Error(), "probably died"); got != tc.stale {
				t.Errorf("error says stale=%v, want %v: %q", got, tc.stale, err)
			}
			if !strings.Contains(err.Error(), "rediskit state unlock "+id) {
				t.Errorf("error %q does not give the unlock command", err)
			}
		})
	}
	// Reporting it never broke it.
	if _, err := newStore(t, gcsstate.Config{}).Lock(ctx, provision.LockInfo{}); err == nil {
		t.Error("the stale lock was released by reporting it")
	}
}

func TestUntrustedStateIsNeverOverwritten(t *testing.T) {
	tests := map[string]struct {
		content string
		want    error
	}{
		"corrupt": {`{"format_version": 1, "lineage": "abc", "redis": [`, provision.ErrStateCorrupt},
		"newer":   {`{"format_version": 99, "lineage": "abc"}`, provision.ErrStateTooNew},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := startServer(t)
			srv.PutObject(bucket, "rediskit/default.rediskit.json", []byte(tc.content))
			s := newStore(t, gcsstate.Config{})
			if _, err := s.Read(t.Context()); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "gs://state-bucket/") {
				t.Errorf("Read: err = %v; want one wrapping %v naming the object", err, tc.want)
			}
			if err := s.Write(t.Context(), provision.NewState("abc")); !errors.Is(err, tc.want) {
				t.Errorf("Write: err = %v; want one wrapping %v", err, tc.want)
			}
			if got, _, _ := srv.Object(bucket, "rediskit/default.rediskit.json"); string(got) != tc.content {
				t.Errorf("the object changed to %s", got)
			}
		})
	}
}

func TestMovedStateIsRefusedAndCanBeMovedBack(t *testing.T) {
	startServer(t)
	ctx := t.Context()
	s := newStore(t, gcsstate.Config{})
	st := provision.NewState("lin")
	st.EnsureRedis("cache")
	if err := s.Write(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkMoved(ctx, "/work/.rediskit/state.json", "alice@laptop"); err != nil {
		t.Fatalf("MarkMoved: %v", err)
	}
	_, err := newStore(t, gcsstate.Config{}).Read(ctx)
	var moved *provision.MovedError
	if !errors.As(err, &moved) || !errors.Is(err, provision.ErrStateMoved) {
		t.Fatalf("Read of a moved state: err = %v; want a *MovedError", err)
	}
	if moved.To != "/work/.rediskit/state.json" || moved.Lineage != "lin" || moved.Serial != 1 || moved.By != "alice@laptop" {
		t.Errorf("MovedError = %+v", moved)
	}
	for _, want := range []string{"/work/.rediskit/state.json", "rediskit state migrate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := newStore(t, gcsstate.Config{}).Write(ctx, provision.NewState("other")); !errors.Is(err, provision.ErrLineageMismatch) {
		t.Errorf("Write of another project over the marker: err = %v; want ErrLineageMismatch", err)
	}
	back := newStore(t, gcsstate.Config{})
	if err := back.Write(ctx, st); err != nil {
		t.Fatalf("Write of the same lineage over the marker: %v", err)
	}
	got, err := back.Read(ctx)
	if err != nil || got.RedisByName("cache") == nil || got.Serial != 2 {
		t.Errorf("after moving back, Read = %+v, %v; want the state with serial 2", got, err)
	}
}

func TestMissingBucketSaysWhatToCheck(t *testing.T) {
	startServer(t)
	s := newStore(t, gcsstate.Config{Bucket: "no-such-bucket"})
	_, err := s.Lock(t.Context(), provision.LockInfo{Operation: "apply"})
	if err == nil || !strings.Contains(err.Error(), "check that bucket no-such-bucket exists") {
		t.Errorf("Lock in a missing bucket: err = %v; want one saying to check the bucket", err)
	}
}
