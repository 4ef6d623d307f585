package upstash

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("é", 400)
	for _, tc := range []struct{ body, want string }{
		{`"regional db creation is deprecated"`, "regional db creation is deprecated"},
		{`{"error":"database not found"}`, "database not found"},
		{`{"message":"cluster under maintenance"}`, "cluster under maintenance"},
		{`{"error":{"message":"nested"}}`, "nested"},
		{`{"error":"","message":"second"}`, "second"},
		{"Unauthorized\n", "Unauthorized"},
		{"<html>\n<body>Bad   Gateway</body>\n</html>", "<html> <body>Bad Gateway</body> </html>"},
		{`{"code":7}`, `{"code":7}`},
		{"", ""},
		{`"` + long + `"`, long[:maxErrorText] + "…"},
	} {
		if got := errorMessage([]byte(tc.body)); got != tc.want {
			t.Errorf("errorMessage(%.40q) = %.60q, want %.60q", tc.body, got, tc.want)
		}
	}
}

func TestAPIErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  *APIError
		want []string
	}{
		{&APIError{Op: "create database \"a\"", Status: 400, Message: "regional db creation is deprecated"},
			[]string{`upstash: create database "a": 400 Bad Request: regional db creation is deprecated`}},
		{&APIError{Op: "list databases", Status: 401, Message: "Unauthorized"},
			[]string{"401 Unauthorized;", "UPSTASH_EMAIL / UPSTASH_API_KEY", "Vercel or Fly.io"}},
		{&APIError{Op: "list databases", Status: 503, Message: "maintenance", Attempts: 5},
			[]string{"503 Service Unavailable: maintenance (5 attempts); ", "run the command again"}},
	} {
		got := tc.err.Error()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q does not contain %q", got, w)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                  0,
		"3":                 3 * time.Second,
		"0":                 0,
		"-4":                0,
		"soon":              0,
		"99999999999999999": 24 * time.Hour,
		now.Add(10 * time.Second).Format(http.TimeFormat): 10 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	p := defaultRetryPolicy()
	for attempt, base := range map[int]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 4: 4 * time.Second, 5: 8 * time.Second, 30: 8 * time.Second} {
		for range 50 {
			if d := p.delay(attempt, &APIError{Status: 503}); d < base/2 || d > base {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, base/2, base)
			}
		}
	}
	if d := p.delay(1, &APIError{Status: 429, RetryAfter: time.Hour}); d != p.maxRetryAfter {
		t.Errorf("Retry-After of an hour: delay %s, want the cap %s", d, p.maxRetryAfter)
	}
}
