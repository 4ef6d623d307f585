package rediscopy

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rediskit/rediskit/internal/redistest"
)

const smallKeys = 10_000

// noRestore is a redis-server whose RESTORE is disabled, like a provider
// that does not offer it.
var noRestore = redistest.Options{ExtraConfig: []string{`rename-command RESTORE ""`}}

func TestCopyDumpRestore(t *testing.T) {
	src, from := server(t, redistest.Options{})
	dst, to := server(t, redistest.Options{})
	n := fill(t, src, fixture{n: smallKeys, big: true, streamExtras: true})
	var last Progress
	res, err := Copy(context.Background(), from, to, Options{Verify: true, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeDumpRestore || res.Restored != int64(n) {
		t.Errorf("mode %s with %d restored, want %s with all %d", res.Mode, res.Restored, ModeDumpRestore, n)
	}
	if v := res.Verify; v == nil || v.Equal != int64(n) || v.Mismatched != 0 || v.TargetKeys != int64(n) {
		t.Errorf("verification %+v, want %d equal", v, n)
	}
	if last.Phase != PhaseVerify || last.Keys != int64(n) || last.Total != int64(n) {
		t.Errorf("last progress %+v, want verify of %d keys", last, n)
	}
	assertSame(t, src, dst)
}

func TestCopyTypedWhenTargetLacksRestore(t *testing.T) {
	src, from := server(t, redistest.Options{})
	dst, to := server(t, noRestore)
	n := fill(t, src, fixture{n: smallKeys, big: true, streamExtras: true})
	res, err := Copy(context.Background(), from, to, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeTyped || res.Typed != int64(n) {
		t.Errorf("mode %s with %d typed, want %s with all %d", res.Mode, res.Typed, ModeTyped, n)
	}
	if v := res.Verify; v == nil || v.Equal != int64(n) {
		t.Errorf("verification %+v, want %d equal", v, n)
	}
	assertSame(t, src, dst)
}

// miniredis answers DUMP with the raw string and RESTORE by storing the
// payload as a string: the CRC check and the probe must both catch it.
func TestCopyFromMiniredis(t *testing.T) {
	m, src, from := mini(t)
	dst, to := server(t, redistest.Options{})
	n := fill(t, src, fixture{n: 3000, big: true})
	start := time.Now()
	res, err := Copy(context.Background(), from, to, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeTyped {
		t.Errorf("mode %s, want %s", res.Mode, ModeTyped)
	}
	took := time.Since(start)
	m.FastForward(took)
	assertSame(t, src, dst, frozen{m, took})
}

func TestCopyToMiniredis(t *testing.T) {
	src, from := server(t, redistest.Options{})
	m, dst, to := mini(t)
	n := fill(t, src, fixture{n: 3000, big: true})
	// Copy's own verification compares TTLs within a second: the target's
	// clock must move as the source's does, however long a loaded machine
	// takes over the copy.
	stop := tick(m)
	res, err := Copy(context.Background(), from, to, Options{Verify: true})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeTyped {
		t.Errorf("mode %s, want %s", res.Mode, ModeTyped)
	}
	assertSame(t, src, dst, frozen{m, 0})
}

// One payload refused by the target (corrupted on the way) is copied by
// type; the others still go through RESTORE.
func TestCopyFallsBackPerKey(t *testing.T) {
	src, from := server(t, redistest.Options{})
	dst, to := server(t, redistest.Options{})
	n := fill(t, src, fixture{n: 2000})
	var corrupted atomic.Bool
	opts := Options{hooks: &hooks{beforeRestore: func(b *batch) {
		for i := range b.dump {
			if it := &b.dump[i]; it.state == statePending && corrupted.CompareAndSwap(false, true) {
				it.payload = corrupt(it.payload)
			}
		}
	}}}
	res, err := Copy(context.Background(), from, to, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeMixed || res.Typed != 1 || res.Restored != int64(n-1) {
		t.Errorf("mode %s, %d typed, %d restored; want mixed, 1, %d", res.Mode, res.Typed, res.Restored, n-1)
	}
	assertSame(t, src, dst)
}

// A target that refuses every payload (another Redis version's, here
// corrupted on the way) switches the copy to the type-aware path after the
// first batches, which are copied by type key by key.
func TestCopySwitchesToTypedWhenPayloadsAreRefused(t *testing.T) {
	src, from := server(t, redistest.Options{})
	dst, to := server(t, redistest.Options{})
	n := fill(t, src, fixture{n: smallKeys, big: true, streamExtras: true})
	var dumpBatches atomic.Int32
	opts := Options{Batch: 200, hooks: &hooks{beforeRestore: func(b *batch) {
		dumpBatches.Add(1)
		for i := range b.dump {
			if it := &b.dump[i]; it.state == statePending {
				it.payload = corrupt(it.payload)
			}
		}
	}}}
	res, err := Copy(context.Background(), from, to, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, n, 0)
	if res.Mode != ModeTyped {
		t.Errorf("mode %s, want %s", res.Mode, ModeTyped)
	}
	// The batches read before the switch: at most one per reader and
	// writer, one queued, and the first.
	if got := dumpBatches.Load(); got > readerCount+writerCount+2 {
		t.Errorf("%d batches went through DUMP/RESTORE after the first was refused", got)
	}
	assertSame(t, src, dst)
}

// corrupt flips the last byte of a payload's CRC.
func corrupt(payload string) string {
	return payload[:len(payload)-1] + string([]byte{payload[len(payload)-1] ^ 0xff})
}

func wantCounts(t *testing.T, res *Result, copied, skipped int) {
	t.Helper()
	if res.Copied != int64(copied) || res.Skipped != int64(skipped) || res.Failed != 0 {
		t.Errorf("copied %d, skipped %d, failed %d (%q); want %d, %d, 0",
			res.Copied, res.Skipped, res.Failed, res.FailedKeys, copied, skipped)
	}
}
