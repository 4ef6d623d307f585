package gcp

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/provision"
)

// CallTimeout bounds one API call, so that a hung connection cannot hang a
// run (the clients' own defaults range from ten seconds to ten minutes, and
// some have none).
const CallTimeout = time.Minute

// Retry says how often and how patiently calls to a Google API are tried
// again after a transient failure. Every adapter uses one policy, so that
// a short outage or a quota burst is ridden out the same way everywhere.
type Retry struct {
	Attempts int           // calls per request, the first included
	Base     time.Duration // first backoff
	Max      time.Duration // backoff cap
	// Timeout bounds one call; zero means CallTimeout. Tests shorten it.
	Timeout time.Duration
	// Sleep waits d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry rides out about half a minute of trouble, which covers a
// short outage and a per-minute request quota.
func DefaultRetry() Retry {
	return Retry{Attempts: 5, Base: 2 * time.Second, Max: 16 * time.Second, Sleep: provision.Sleep}
}

// CallTimeout returns how long one call may take.
func (p Retry) CallTimeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return CallTimeout
}

// Do runs call until it succeeds, fails in a way not worth retrying (see
// Transient), runs out of attempts or ctx ends, and returns the last
// error. Each attempt gets its own CallTimeout. Use it only for calls that
// are safe to repeat: reads, and writes whose repetition is harmless.
func (p Retry) Do(ctx context.Context, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, p.CallTimeout())
		err := call(cctx)
		cancel()
		if err == nil || !Transient(err) || attempt >= p.Attempts || ctx.Err() != nil {
			return err
		}
		if err := p.Wait(ctx, attempt); err != nil {
			return err
		}
	}
}

// Wait sleeps before attempt+1: capped exponential backoff with jitter.
func (p Retry) Wait(ctx context.Context, attempt int) error {
	d := p.Base
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d > 1 {
		d = d/2 + rand.N(d-d/2+1) // spread clients retrying together
	}
	sleep := p.Sleep
	if sleep == nil {
		sleep = provision.Sleep
	}
	return sleep(ctx, d)
}

// Transient reports whether a call that failed with err is worth another
// attempt: the service was unavailable, busy, over quota, timed out, or
// the request raced another change.
func Transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded, codes.Aborted, codes.Internal:
		return true
	}
	return false
}
