package rediscopy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Endpoint is one side of a copy.
type Endpoint struct {
	// URL is a redis:// or rediss:// URL with credentials and an optional
	// /DB. It is never logged and never appears in an error.
	URL string
	// CACert is extra trust (PEM) for a rediss:// server certificate,
	// added to the system roots, as provision.Instance.CACert. Certificate
	// and host name are always checked.
	CACert []byte
}

// Options tune a copy; the zero value is ready to use.
type Options struct {
	// Batch is the SCAN COUNT and the number of keys per pipeline;
	// default DefaultBatch.
	Batch int
	// Progress, when set, is called on the goroutine running Copy every
	// ProgressEvery and once when each phase ends.
	Progress func(Progress)
	// ProgressEvery defaults to one second.
	ProgressEvery time.Duration
	// Verify walks the source again after a copy in which no key failed
	// and compares every key with the target (see the package
	// documentation).
	Verify bool

	hooks *hooks // tests only
}

// DefaultBatch is the batch size used when Options.Batch is zero.
const DefaultBatch = 1000

// Progress is a snapshot of a running copy or verification.
type Progress struct {
	Phase string // PhaseCopy or PhaseVerify
	Keys  int64  // keys done: copied, skipped or failed (compared, in PhaseVerify)
	Bytes int64  // payload bytes moved (read from both sides, in PhaseVerify)
	// Total is the source's DBSIZE when the phase started: an estimate,
	// since the source may change and SCAN may return a key twice.
	Total   int64
	Elapsed time.Duration
	Rate    float64       // keys per second so far
	ETA     time.Duration // 0 when unknown
}

// Phases reported in Progress.Phase.
const (
	PhaseCopy   = "copy"
	PhaseVerify = "verify"
)

// Modes reported in Result.Mode.
const (
	ModeDumpRestore = "dump-restore"
	ModeTyped       = "typed"
	ModeMixed       = "mixed"
)

// Result counts what a copy did. Copied + Skipped + Failed is the number of
// keys SCAN returned.
type Result struct {
	Total    int64 // source DBSIZE at the start
	Copied   int64 // Restored + Typed
	Restored int64 // copied with DUMP/RESTORE
	Typed    int64 // copied by type
	Skipped  int64 // gone from the source (expired or deleted) before they were read
	Failed   int64
	Bytes    int64  // payload bytes written to the target
	Mode     string // ModeDumpRestore, ModeTyped or ModeMixed
	// FailedKeys names the first MaxFailedKeys failed keys (names only).
	FailedKeys []string
	Elapsed    time.Duration // the copy, without the verification
	// Verify is set when Options.Verify was and no key failed.
	Verify *Verification
}

// MaxFailedKeys bounds Result.FailedKeys and Verification.MismatchedKeys.
const MaxFailedKeys = 100

// ErrIncomplete is wrapped by Copy's error when at least one key could not
// be copied; the Result then says which.
var ErrIncomplete = errors.New("copy incomplete")

// Copy copies every key of from into to, replacing keys of the same name.
// It returns the counts even with an error: a failed key (see
// ErrIncomplete), a verification mismatch (ErrMismatch), or an error that
// stopped the copy (unreachable server, cancelled ctx). Errors never
// contain a URL or password.
func Copy(ctx context.Context, from, to Endpoint, opts Options) (*Result, error) {
	c, err := newCopier(from, to, opts)
	if err != nil {
		return nil, err
	}
	defer c.close()
	start := time.Now()
	err = c.copy(ctx)
	c.res.Elapsed = time.Since(start)
	c.res.Mode = c.res.mode()
	if err != nil {
		return c.res, err
	}
	if c.res.Failed > 0 {
		return c.res, c.failedError()
	}
	if opts.Verify {
		c.res.Verify, err = c.verify(ctx)
	}
	return c.res, err
}

// copy runs the probe and the copy pipeline.
func (c *copier) copy(ctx context.Context) error {
	total, err := c.src.dbsize(ctx)
	if err != nil {
		return err
	}
	c.res.Total = total
	c.prog = newProgress(PhaseCopy, c.opts, total)
	if err := c.probeTarget(ctx); err != nil {
		return err
	}
	return c.run(ctx)
}

func (r *Result) mode() string {
	switch {
	case r.Typed == 0:
		return ModeDumpRestore
	case r.Restored == 0:
		return ModeTyped
	}
	return ModeMixed
}

// failedError summarises the failed keys and the first reason.
func (c *copier) failedError() error {
	return fmt.Errorf("%w: %d of %d keys could not be copied (%s): %s; fix the cause on the target (memory limit, ACL, version) and copy again: keys already copied are replaced",
		ErrIncomplete, c.res.Failed, c.res.Copied+c.res.Skipped+c.res.Failed, quoteKeys(c.res.FailedKeys), c.firstFailure)
}

// quoteKeys lists the first few key names for a message.
func quoteKeys(keys []string) string {
	const shown = 5
	parts := make([]string, 0, shown+1)
	for i, k := range keys {
		if i == shown {
			parts = append(parts, "…")
			break
		}
		if len(k) > 60 {
			k = k[:60] + "…"
		}
		parts = append(parts, fmt.Sprintf("%q", k))
	}
	return "first: " + strings.Join(parts, ", ")
}
