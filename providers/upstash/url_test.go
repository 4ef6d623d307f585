package upstash

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

func TestHostName(t *testing.T) {
	for endpoint, want := range map[string]string{
		"steady-stud-32559.upstash.io":       "steady-stud-32559.upstash.io",
		"beloved-stallion-58500":             "beloved-stallion-58500.upstash.io",
		" beloved-stallion-58500 ":           "beloved-stallion-58500.upstash.io",
		"localhost":                          "localhost",
		"127.0.0.1":                          "127.0.0.1",
		"::1":                                "::1",
		"https://all-foxe-22421.upstash.io/": "all-foxe-22421.upstash.io",
		"all-foxe-22421.upstash.io:6379":     "all-foxe-22421.upstash.io",
		"[::1]:6379":                         "::1",
		"":                                   "",
	} {
		if got := hostName(endpoint); got != want {
			t.Errorf("hostName(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestConnectionURL(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		port     int64
		password string
		want     string
	}{
		{"steady-stud-32559.upstash.io", 32559, "dd18574d", "rediss://default:dd18574d@steady-stud-32559.upstash.io:32559"},
		{"beloved-stallion-58500", 6379, "pw", "rediss://default:pw@beloved-stallion-58500.upstash.io:6379"},
		{"::1", 6380, "pw", "rediss://default:pw@[::1]:6380"},
		{"localhost", 7000, "p@ss/w:rd?#", "rediss://default:p%40ss%2Fw%3Ard%3F%23@localhost:7000"},
	} {
		got, err := connectionURL(tc.endpoint, tc.port, tc.password)
		if err != nil || got != tc.want {
			t.Errorf("connectionURL(%q, %d) = %q, %v; want %q", tc.endpoint, tc.port, got, err, tc.want)
			continue
		}
		u, err := url.Parse(got)
		if pw, _ := u.User.Password(); err != nil || pw != tc.password {
			t.Errorf("%q does not round-trip the password: %v", got, err)
		}
		if masked := provision.MaskURL(got); strings.Contains(masked, tc.password) || !strings.Contains(masked, provision.Masked) {
			t.Errorf("MaskURL(%q) = %q", got, masked)
		}
	}
}

func TestConnectionURLErrors(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		port     int64
		password string
		want     string
	}{
		{"", 6379, "s3cret-pw", "no endpoint"},
		{"a.upstash.io", 0, "s3cret-pw", "no valid port"},
		{"a.upstash.io", 70000, "s3cret-pw", "no valid port"},
		{"a.upstash.io", 6379, "", "no password"},
	} {
		_, err := connectionURL(tc.endpoint, tc.port, tc.password)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("connectionURL(%q, %d): %v, want an error about %s without the password", tc.endpoint, tc.port, err, tc.want)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for raw, want := range map[string]string{
		"":                             "https://api.upstash.com",
		"https://api.upstash.com/":     "https://api.upstash.com",
		"https://api.upstash.com/v2":   "https://api.upstash.com",
		"https://u:p@proxy.example/up": "https://proxy.example/up",
		"http://127.0.0.1:8080":        "http://127.0.0.1:8080",
		"http://localhost:8080/v2/":    "http://localhost:8080",
	} {
		u, err := parseBaseURL(raw)
		if err != nil || u.String() != want {
			t.Errorf("parseBaseURL(%q) = %v, %v; want %s", raw, u, err, want)
		}
	}
	for _, raw := range []string{"http://api.upstash.com", "ftp://x", "api.upstash.com", "::"} {
		if _, err := parseBaseURL(raw); err == nil || !strings.Contains(err.Error(), "UPSTASH_API_URL") {
			t.Errorf("parseBaseURL(%q): %v, want an error naming UPSTASH_API_URL", raw, err)
		}
	}
}
