package upstash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is the Upstash API's base URL when UPSTASH_API_URL is unset.
const DefaultAPIURL = "https://api.upstash.com"

// maxBody bounds how much of an answer is read; a database list is far below.
const maxBody = 8 << 20

// client talks to the Upstash Developer API: basic auth, JSON bodies,
// per-request timeouts and retries (see retryPolicy).
type client struct {
	base   *url.URL
	email  string
	apiKey string
	http   *http.Client
	retry  retryPolicy
}

// call is one API operation.
type call struct {
	op     string // for messages: "read database abc"
	method string
	path   string // below the base URL, with the query: "/v2/redis/databases"
	body   any    // marshalled as JSON when non-nil
	// once disables retries, for requests that are not idempotent (create);
	// their caller decides whether retrying is safe.
	once bool
}

// parseBaseURL checks UPSTASH_API_URL. Basic-auth credentials must not travel
// in clear text, so plain http is only accepted for loopback hosts (fakes).
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("UPSTASH_API_URL is not a URL like %s; fix or unset it", DefaultAPIURL)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("UPSTASH_API_URL must use https (plain http only for localhost); fix or unset it")
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v2")
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// do runs c, retrying transient failures unless c.once, and returns the body
// of the 2xx answer. Errors are *APIError or *transportError, or wrap the
// context's error once ctx ends.
func (cl *client) do(ctx context.Context, c call) ([]byte, error) {
	payload, err := marshalBody(c.body)
	if err != nil {
		return nil, fmt.Errorf("upstash: %s: %w", c.op, err)
	}
	for attempt := 1; ; attempt++ {
		body, err := cl.attempt(ctx, c, payload)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("upstash: %s: interrupted: %w", c.op, ctx.Err())
		}
		if c.once || !retryable(err) || attempt >= cl.retry.attempts {
			return nil, withAttempts(err, attempt)
		}
		if err := cl.retry.wait(ctx, attempt, err); err != nil {
			return nil, fmt.Errorf("upstash: %s: interrupted while waiting to retry: %w", c.op, err)
		}
	}
}

func marshalBody(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	return b, nil
}

// attempt sends one request bounded by the per-request timeout.
func (cl *client) attempt(ctx context.Context, c call, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cl.retry.timeout)
	defer cancel()
	req, err := cl.newRequest(ctx, c, payload)
	if err != nil {
		return nil, err
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, &transportError{op: c.op, host: cl.base.Host, err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &transportError{op: c.op, host: cl.base.Host, err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &APIError{
			Op:         c.op,
			Status:     resp.StatusCode,
			Message:    errorMessage(body),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	return body, nil
}

func (cl *client) newRequest(ctx context.Context, c call, payload []byte) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, cl.base.String()+c.path, body)
	if err != nil {
		return nil, fmt.Errorf("upstash: %s: %w", c.op, err)
	}
	req.SetBasicAuth(cl.email, cl.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rediskit")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// unwrapURLError drops *url.Error's "Method URL:" prefix: the operation is
// already named, and the URL is noise.
func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// transportError is a request that got no HTTP answer: connection refused or
// reset, a timeout, a response cut off.
type transportError struct {
	op       string
	host     string
	err      error
	attempts int
}

func (e *transportError) Error() string {
	msg := fmt.Sprintf("upstash: %s: no answer from %s: %v", e.op, e.host, e.err)
	if e.attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.attempts)
	}
	return msg + "; check the network and UPSTASH_API_URL, then run the command again"
}

func (e *transportError) Unwrap() error { return e.err }

// withAttempts records how many attempts an error took.
func withAttempts(err error, n int) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = n
	}
	var tErr *transportError
	if errors.As(err, &tErr) {
		tErr.attempts = n
	}
	return err
}
