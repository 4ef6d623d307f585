package upstash

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// retryPolicy says how often and how patiently requests are retried.
type retryPolicy struct {
	attempts      int           // requests per call, the first included
	base          time.Duration // first backoff
	max           time.Duration // backoff cap
	maxRetryAfter time.Duration // cap on a server's Retry-After
	timeout       time.Duration // per request
	// sleep waits d or until ctx ends; tests replace it to record waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// defaultRetryPolicy retries for about 15 seconds of backoff in all, which
// rides out a short Upstash hiccup without hiding an outage.
func defaultRetryPolicy() retryPolicy {
	return retryPolicy{
		attempts:      5,
		base:          500 * time.Millisecond,
		max:           8 * time.Second,
		maxRetryAfter: 30 * time.Second,
		timeout:       30 * time.Second,
		sleep:         provision.Sleep,
	}
}

// retryable reports whether err is worth another attempt: rate limiting,
// server errors and requests that got no answer.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500
	}
	var tErr *transportError
	return errors.As(err, &tErr)
}

// wait sleeps before attempt+1: the server's Retry-After when it sent one
// (capped), else capped exponential backoff with jitter.
func (p retryPolicy) wait(ctx context.Context, attempt int, err error) error {
	return p.sleep(ctx, p.delay(attempt, err))
}

func (p retryPolicy) delay(attempt int, err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return min(apiErr.RetryAfter, p.maxRetryAfter)
	}
	return jitter(p.backoff(attempt))
}

// backoff is base·2^(attempt-1), capped.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.base
	for i := 1; i < attempt && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

// jitter spreads d over [d/2, d] so that clients retrying together drift apart.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// Anything unparsable or in the past is zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Clamp before multiplying: a huge value must not overflow.
		return time.Duration(max(0, min(secs, 86400))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
