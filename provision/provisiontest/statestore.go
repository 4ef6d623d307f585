package provisiontest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// RunStateStoreTests checks that a provision.StateStore keeps state and its
// lock as the engine expects.
//
// newStore returns a new store instance on storage named after t.Name(): two
// calls with the same t must share state and lock (as two rediskit processes
// would), and each subtest must start from empty storage. A file store can
// use a file under the suite's temporary folder named after t.Name(); a
// bucket store can use t.Name() as the object prefix.
func RunStateStoreTests(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, newStore func(t *testing.T) provision.StateStore)
	}{
		{"EmptyRead", testEmptyRead},
		{"RoundTrip", testRoundTrip},
		{"SerialIncreases", testSerialIncreases},
		{"LineageMismatchRefused", testLineageMismatch},
		{"NoLineageRefused", testNoLineage},
		{"LockHeld", testLockHeld},
		{"UnlockThenLockAgain", testUnlockThenLock},
		{"UnlockWrongID", testUnlockWrongID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore) })
	}
}

func testEmptyRead(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	s := newStore(t)
	if s.Describe() == "" {
		t.Error("Describe() is empty; it should name where the state lives")
	}
	st, err := s.Read(t.Context())
	if err != nil || st != nil {
		t.Fatalf("Read() on empty storage = %+v, %v; want nil, nil", st, err)
	}
}

func testRoundTrip(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	want := sampleState("lineage-roundtrip")
	if err := newStore(t).Write(t.Context(), want); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if want.Serial != 1 || want.FormatVersion != provision.StateFormatVersion {
		t.Errorf("after the first Write, serial %d format %d; want 1 and %d",
			want.Serial, want.FormatVersion, provision.StateFormatVersion)
	}
	got := mustRead(t, newStore(t))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read after Write differs:\n got %s\nwant %s", asJSON(t, got), asJSON(t, want))
	}
}

func testSerialIncreases(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	ctx := t.Context()
	for i := int64(1); i <= 3; i++ {
		// A fresh State each time: the serial comes from storage, not
		// from what the caller passes in.
		st := sampleState("lineage-serial")
		if err := newStore(t).Write(ctx, st); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		if st.Serial != i {
			t.Errorf("Write %d set serial %d; want %d", i, st.Serial, i)
		}
		if got := mustRead(t, newStore(t)).Serial; got != i {
			t.Errorf("after Write %d, stored serial is %d; want %d", i, got, i)
		}
	}
}

func testLineageMismatch(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	ctx := t.Context()
	s := newStore(t)
	if err := s.Write(ctx, sampleState("lineage-mine")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	err := s.Write(ctx, sampleState("lineage-other"))
	if !errors.Is(err, provision.ErrLineageMismatch) {
		t.Fatalf("Write with another lineage: err = %v; want one wrapping ErrLineageMismatch", err)
	}
	got := mustRead(t, s)
	if got.Lineage != "lineage-mine" || got.Serial != 1 {
		t.Errorf("after the refused Write, state has lineage %q serial %d; want the original (lineage-mine, 1)",
			got.Lineage, got.Serial)
	}
}

func testNoLineage(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	s := newStore(t)
	if err := s.Write(t.Context(), sampleState("")); err == nil {
		t.Fatal("Write of a state without lineage succeeded; want an error")
	}
	if st, err := s.Read(t.Context()); st != nil || err != nil {
		t.Errorf("after the refused Write, Read = %+v, %v; want nil, nil", st, err)
	}
}

func testLockHeld(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	ctx := t.Context()
	info := sampleLockInfo("apply")
	id := mustLock(t, newStore(t), info)
	if id == "" {
		t.Fatal("Lock returned an empty id")
	}
	_, err := newStore(t).Lock(ctx, sampleLockInfo("plan"))
	var held *provision.LockError
	if !errors.As(err, &held) {
		t.Fatalf("second Lock: err = %v; want a *LockError", err)
	}
	got := held.Info
	if got.ID != id || got.Operation != info.Operation || got.Who != info.Who ||
		got.Host != info.Host || got.PID != info.PID || !got.Created.Equal(info.Created) ||
		got.JobURL != info.JobURL || got.Version != info.Version {
		t.Errorf("LockError.Info = %+v; want the holder's info %+v with id %s", got, info, id)
	}
	if !strings.Contains(err.Error(), id) {
		t.Errorf("LockError %q does not name the lock id %s", err, id)
	}
}

func testUnlockThenLock(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	ctx := t.Context()
	first := newStore(t)
	id := mustLock(t, first, sampleLockInfo("apply"))
	if err := first.Unlock(ctx, id); err != nil {
		t.Fatalf("Unlock(%s): %v", id, err)
	}
	second := newStore(t)
	id2 := mustLock(t, second, sampleLockInfo("apply"))
	if err := second.Unlock(ctx, id2); err != nil {
		t.Fatalf("Unlock(%s) after relocking: %v", id2, err)
	}
	// The first store may lock again after its own unlock.
	id3 := mustLock(t, first, sampleLockInfo("apply"))
	if err := first.Unlock(ctx, id3); err != nil {
		t.Fatalf("Unlock(%s) on the first store: %v", id3, err)
	}
}

func testUnlockWrongID(t *testing.T, newStore func(t *testing.T) provision.StateStore) {
	ctx := t.Context()
	s := newStore(t)
	id := mustLock(t, s, sampleLockInfo("apply"))
	for _, other := range []provision.StateStore{s, newStore(t)} {
		err := other.Unlock(ctx, "0123456789abcdef")
		if err == nil {
			t.Fatal("Unlock with a wrong id succeeded; want an error")
		}
		if !strings.Contains(err.Error(), id) {
			t.Errorf("Unlock error %q does not name the actual lock id %s", err, id)
		}
	}
	var held *provision.LockError
	if _, err := newStore(t).Lock(ctx, sampleLockInfo("plan")); !errors.As(err, &held) {
		t.Fatalf("after the failed Unlock, Lock: err = %v; want a *LockError (the lock still held)", err)
	}
}

func mustLock(t *testing.T, s provision.StateStore, info provision.LockInfo) string {
	t.Helper()
	id, err := s.Lock(t.Context(), info)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(func() { _ = s.Unlock(context.Background(), id) })
	return id
}

func mustRead(t *testing.T, s provision.StateStore) *provision.State {
	t.Helper()
	st, err := s.Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if st == nil {
		t.Fatal("Read returned no state after a Write")
	}
	return st
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// sampleState fills every kind of field, so a store that drops one fails the
// round trip.
func sampleState(lineage string) *provision.State {
	at := time.Date(2025, 3, 1, 12, 30, 0, 0, time.UTC)
	st := provision.NewState(lineage)
	st.RediskitVersion = "v0.0.0-test"
	r := st.EnsureRedis("cache")
	r.Backends = []*provision.BackendState{{
		Type: "upstash", Status: provision.BackendActive, ID: "db-1",
		Attrs:          map[string]string{"region": "eu-west-1", "endpoint": "x.upstash.io"},
		Pending:        map[string]string{"op": "create"},
		URLFingerprint: "sha256:0011223344556677",
		CreatedAt:      at, VerifiedAt: at.Add(time.Minute),
	}}
	st.PutTarget(&provision.TargetState{
		Type: "dotenv", Name: "dev", Redis: "cache",
		Attrs:          provision.TargetAttrs{"file": ".env"},
		URLFingerprint: "sha256:8899aabbccddeeff", WrittenAt: at,
	})
	return st
}

func sampleLockInfo(op string) provision.LockInfo {
	return provision.LockInfo{
		Operation: op, Who: "tester@box", Host: "box", PID: 4242,
		JobURL: "https://ci.example/job/1", Version: "v0.0.0-test",
		Created: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}
