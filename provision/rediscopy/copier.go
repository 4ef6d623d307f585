package rediscopy

import (
	"sync"
	"sync/atomic"
	"time"
)

// Connection pools: the source serves the scanner, the readers and the
// writers' fallback and big-key reads; the target the writers. The
// target gets no retries (see dial).
const (
	srcPool, dstPool       = 1 + readerCount + writerCount, writerCount
	srcRetries, dstRetries = 2, -1
)

// genuineChecks is how many DUMP payloads are checked for a valid CRC
// before the source is trusted to answer DUMP genuinely.
const genuineChecks = 1000

// copier is one run of Copy.
type copier struct {
	src, dst *conn
	opts     Options
	// typedOnly switches the readers from DUMP to the type-aware path once
	// the target refused a whole batch's payloads or the probe failed.
	typedOnly   atomic.Bool
	genuineLeft atomic.Int64 // payloads still to check, shared by the readers
	prog        *progress

	mu           sync.Mutex // guards res and firstFailure while writers run
	res          *Result
	firstFailure string
}

// hooks let tests act between stages; nil in production.
type hooks struct {
	afterScan     func(keys []string) // on the scanner goroutine
	beforeRestore func(b *batch)      // on a writer goroutine
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
	c := &copier{src: src, dst: dst, opts: opts, res: &Result{}}
	c.genuineLeft.Store(genuineChecks)
	return c, nil
}

func (c *copier) close() {
	c.src.close()
	c.dst.close()
}
