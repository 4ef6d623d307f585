package gcsstate

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/rediskit/rediskit/provision"
)

// The retry policy is the one every Google API adapter of rediskit follows
// (providers/gcp.DefaultRetry): five attempts, backoff from 2 s doubling to
// 16 s with jitter, about half a minute in all, well inside the call
// timeout. It is restated here rather than imported because that package
// brings the gRPC stack, which this HTTP client does not need.
const (
	maxAttempts    = 5
	defaultBackoff = 2 * time.Second
	maxBackoff     = 16 * time.Second
)

// retry runs call until it succeeds, fails in a way not worth retrying
// (see transient), runs out of attempts or ctx ends, and returns the last
// error. Every request the store makes is safe to repeat: reads, and
// writes and deletes that carry a generation precondition, whose repeat
// after a lost answer fails with 412 or 404, which callers recognise.
func (s *Store) retry(ctx context.Context, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil || !transient(err) || attempt >= maxAttempts || ctx.Err() != nil {
			return err
		}
		if err := provision.Sleep(ctx, s.backoff(attempt)); err != nil {
			return err
		}
	}
}

// backoff is the pause before attempt+1: the first pause doubled per
// attempt, capped, and spread over its upper half so that clients retrying
// together drift apart.
func (s *Store) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	if d > 1 {
		d = d/2 + rand.N(d-d/2+1)
	}
	return d
}

// transient reports whether a request that failed with err is worth
// another attempt, as Cloud Storage's retry guidance says: 408, 429 and
// 5xx, and connections that broke or were refused. A 412 (precondition) or
// any other 4xx is an answer, and so is a refused token request.
func transient(err error) bool {
	if code := statusOf(err); code != 0 {
		return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A request that got no answer at all (a refused, reset or closed
	// connection, "server closed idle connection") failed in transport,
	// which net/http reports as a *url.Error; every request here is safe
	// to repeat.
	var op *net.OpError
	var ue *url.Error
	return errors.As(err, &op) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
