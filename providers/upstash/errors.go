package upstash

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// maxErrorText bounds how much of an error body ends up in a message.
const maxErrorText = 300

// APIError is a non-2xx answer from the Upstash API.
type APIError struct {
	// Op names the operation, e.g. "create database \"acme\"".
	Op string
	// Status is the HTTP status code.
	Status int
	// Message is the error body made readable (see errorMessage).
	Message string
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
	// Attempts is how many requests were made before giving up.
	Attempts int
}

// Error renders "upstash: OP: 400 Bad Request: MESSAGE" plus, for answers a
// user can act on, what to do next.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("upstash: %s: %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Message != "" && !strings.EqualFold(e.Message, http.StatusText(e.Status)) {
		msg += ": " + e.Message
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return msg + e.hint()
}

func (e *APIError) hint() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "; Upstash rejected the credentials in UPSTASH_EMAIL / UPSTASH_API_KEY: " +
			"check them (console.upstash.com → Account → Management API); accounts created " +
			"through Vercel or Fly.io cannot use the Upstash Developer API"
	case e.Status == http.StatusForbidden:
		return "; the API key in UPSTASH_API_KEY lacks the right to do this: rediskit needs a Developer API key " +
			"with full (not read-only) access to the account or team that owns the database; create one at " +
			"console.upstash.com → Account → Management API (as a member of that team)"
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		return "; Upstash is busy or failing: wait a little and run the command again (see https://status.upstash.com)"
	}
	return ""
}

// IsStatus reports whether err is an *APIError with that status.
func IsStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// errorMessage turns an error body into one readable line. Upstash sends a
// JSON string ("regional db creation is deprecated"), an object with "error"
// or "message", or plain text; an empty body yields "".
func errorMessage(body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(text), &s) == nil {
		return provision.Clip(s, maxErrorText)
	}
	var obj struct {
		Error   any `json:"error"`
		Message any `json:"message"`
	}
	if json.Unmarshal([]byte(text), &obj) == nil {
		if m := firstText(obj.Error, obj.Message); m != "" {
			return provision.Clip(m, maxErrorText)
		}
	}
	return provision.Clip(text, maxErrorText)
}

// firstText returns the first value that is a non-empty string, or a nested
// {"message": ...} object's message.
func firstText(values ...any) string {
	for _, v := range values {
		switch t := v.(type) {
		case string:
			if t != "" {
				return t
			}
		case map[string]any:
			if m, ok := t["message"].(string); ok && m != "" {
				return m
			}
		}
	}
	return ""
}
