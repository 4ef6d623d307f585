package provision_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// FuzzDecodeState feeds arbitrary bytes to DecodeState, the decoder behind
// every state store. Whatever the input it must not panic; a newer format is
// always refused; and a state it accepts re-encodes to a document that
// decodes to the same state, so a read-modify-write cycle never alters what
// it did not mean to. Seeds are in testdata/fuzz/FuzzDecodeState.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"format_version": 1, "lineage": "abc", "serial": 3, "redis": [], "targets": []}`))
	f.Add([]byte(`{"format_version": 99, "lineage": "abc", "serial": 3, "redis": [], "from_the_future": true}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "abc", "serial": 4, "moved_to": "gs://bucket/state.json", "moved_at": "2026-01-02T03:04:05Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := provision.DecodeState(data, "fuzz input")
		if v, ok := declaredVersion(data); ok && v > provision.StateFormatVersion {
			if err == nil {
				t.Fatalf("format_version %v > %d was accepted", v, provision.StateFormatVersion)
			}
			// A version that decodes as an int must be reported as too new,
			// not as corruption, so the user is told to upgrade.
			if v == float64(int(v)) && !errors.Is(err, provision.ErrStateTooNew) {
				t.Fatalf("format_version %v refused without ErrStateTooNew: %v", v, err)
			}
		}
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		checkReencodes(t, st)
		walkState(st)
	})
}

// walkState does what the engine does first with a state it read: look up
// redis blocks, their backends and targets. A state DecodeState accepts must
// be safe to walk.
func walkState(st *provision.State) {
	for _, r := range st.Redis {
		if got := st.RedisByName(r.Name); got != nil {
			_ = got.Active()
			for _, b := range got.Backends {
				_ = got.Backend(b.Type)
				_ = b.Record(got.Name)
			}
		}
	}
	for _, tg := range st.Targets {
		_ = st.Target(tg.Type, tg.Name)
		_ = tg.Address()
	}
	st.PruneEmpty()
}

// declaredVersion reads format_version the way encoding/json matches it
// (case-insensitively, last duplicate wins), accepting any JSON number.
func declaredVersion(data []byte) (float64, bool) {
	var head struct {
		FormatVersion *float64 `json:"format_version"`
	}
	if json.Unmarshal(data, &head) != nil || head.FormatVersion == nil {
		return 0, false
	}
	return *head.FormatVersion, true
}

// checkDecodeError checks that a refusal is one the engine can classify.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var moved *provision.MovedError
	if !errors.Is(err, provision.ErrStateCorrupt) && !errors.Is(err, provision.ErrStateTooNew) && !errors.As(err, &moved) {
		t.Fatalf("refusal is neither corrupt, too new nor moved: %v", err)
	}
}

// checkReencodes encodes st, decodes it again and wants the same state and,
// encoding once more, the same bytes.
func checkReencodes(t *testing.T, st *provision.State) {
	t.Helper()
	if st.FormatVersion < 1 || st.FormatVersion > provision.StateFormatVersion || st.Lineage == "" {
		t.Fatalf("accepted a state with format_version %d and lineage %q", st.FormatVersion, st.Lineage)
	}
	enc, err := provision.EncodeState(st)
	if err != nil {
		t.Fatalf("a decoded state does not encode: %v", err)
	}
	again, err := provision.DecodeState(enc, "re-encoded state")
	if err != nil {
		t.Fatalf("re-encoded state does not decode: %v\n%s", err, enc)
	}
	if !reflect.DeepEqual(normalTimes(st), normalTimes(again)) {
		t.Fatalf("state changed through encode and decode:\nfirst  %+v\nsecond %+v\n%s", st, again, enc)
	}
	enc2, err := provision.EncodeState(again)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not stable (%v):\n%s\n%s", err, enc, enc2)
	}
}

// normalTimes returns a copy of st whose times are compared as instants and
// offsets: each decode makes a fresh *time.Location for "+01:00", which
// reflect.DeepEqual would otherwise report as a difference. Empty maps
// become nil too: `"pending": {}` and no pending at all mean the same, and
// encoding leaves empty maps out.
func normalTimes(st *provision.State) *provision.State {
	cp := *st
	cp.Redis = nil
	for _, r := range st.Redis {
		if r == nil {
			cp.Redis = append(cp.Redis, nil)
			continue
		}
		rc := *r
		rc.Backends = nil
		for _, b := range r.Backends {
			if b != nil {
				bc := *b
				bc.CreatedAt, bc.VerifiedAt = normalTime(b.CreatedAt), normalTime(b.VerifiedAt)
				bc.Attrs, bc.Pending = nilIfEmpty(b.Attrs), nilIfEmpty(b.Pending)
				b = &bc
			}
			rc.Backends = append(rc.Backends, b)
		}
		cp.Redis = append(cp.Redis, &rc)
	}
	cp.Targets = nil
	for _, tg := range st.Targets {
		if tg != nil {
			tc := *tg
			tc.WrittenAt = normalTime(tg.WrittenAt)
			tc.Attrs = nilIfEmpty(tg.Attrs)
			tc.Pending = nilIfEmpty(tg.Pending)
			tg = &tc
		}
		cp.Targets = append(cp.Targets, tg)
	}
	return &cp
}

func normalTime(t time.Time) time.Time {
	_, off := t.Zone()
	return t.In(time.FixedZone("", off))
}

func nilIfEmpty[M ~map[string]string](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}
