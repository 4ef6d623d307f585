package memorystore

import (
	"context"
	"math/rand/v2"
	"time"
)

// callTimeout bounds one API call, so that a hung connection cannot hang
// a run (the client's own default is ten minutes).
const callTimeout = time.Minute

// retryPolicy says how often and how patiently calls are retried.
type retryPolicy struct {
	attempts int           // calls per request, the first included
	base     time.Duration // first backoff
	max      time.Duration // backoff cap
	// timeout bounds one call; zero means callTimeout. Tests shorten it.
	timeout time.Duration
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// defaultRetryPolicy rides out about half a minute of trouble, which
// covers a short outage and the per-minute create quota.
func defaultRetryPolicy() retryPolicy {
	return retryPolicy{attempts: 5, base: 2 * time.Second, max: 16 * time.Second, sleep: sleepCtx}
}

// callTimeout returns how long one call may take.
func (p retryPolicy) callTimeout() time.Duration {
	if p.timeout > 0 {
		return p.timeout
	}
	return callTimeout
}

// do runs call until it succeeds, fails in a way not worth retrying, or
// runs out of attempts. Each attempt gets p.callTimeout().
func (p retryPolicy) do(ctx context.Context, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, p.callTimeout())
		err := call(cctx)
		cancel()
		if err == nil || !retryable(err) || attempt >= p.attempts || ctx.Err() != nil {
			return err
		}
		if err := p.wait(ctx, attempt); err != nil {
			return err
		}
	}
}

// wait sleeps before attempt+1: capped exponential backoff with jitter.
func (p retryPolicy) wait(ctx context.Context, attempt int) error {
	d := p.base
	for i := 1; i < attempt && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	if d > 1 {
		d = d/2 + rand.N(d-d/2+1) // spread clients retrying together
	}
	return p.sleep(ctx, d)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
