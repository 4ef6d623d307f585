package rediscopy

import (
	"sync/atomic"
	"time"
)

// Connection pools: the source serves the scanner, the reader and the
// writer's fallback reads (and two more in verification); the target only
// the writer and verification.
const (
	srcPool, dstPool       = 4, 2
	srcRetries, dstRetries = 2, -1
)

// genuineChecks is how many DUMP payloads are checked for a valid CRC
// before the source is trusted to answer DUMP genuinely.
const genuineChecks = 1000

// copier is one run of Copy.
type copier struct {
	src, dst *conn
	opts     Options
	// typedOnly switches the reader from DUMP to the type-aware path once
	// the target refused a whole batch's payloads or the probe failed.
	typedOnly    atomic.Bool
	genuineLeft  int // reader goroutine only
	res          *Result
	firstFailure string
	prog         *progress
}

// hooks let tests act between stages; nil in production.
type hooks struct {
	afterScan     func(keys []string) // on the scanner goroutine
	beforeRestore func(b *batch)      // on the writer goroutine
}

func newCopier(from, to Endpoint, opts Options) (*copier, error) {
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = time.Second
	}
	src, err := dial(from, "source", srcPool, srcRetries)
	if err != nil {
		return nil, err
	}
	dst, err := dial(to, "target", dstPool, dstRetries)
	if err != nil {
		src.close()
		return nil, err
	}
	return &copier{src: src, dst: dst, opts: opts, genuineLeft: genuineChecks, res: &Result{}}, nil
}

func (c *copier) close() {
	c.src.close()
	c.dst.close()
}

// failKey counts a key that could not be copied and keeps its name.
func (c *copier) failKey(key string, err error) {
	c.res.Failed++
	if len(c.res.FailedKeys) < MaxFailedKeys {
		c.res.FailedKeys = append(c.res.FailedKeys, key)
	}
	if c.firstFailure == "" && err != nil {
		c.firstFailure = scrub(shortReply(err.Error()), append(c.src.secrets, c.dst.secrets...))
	}
}
