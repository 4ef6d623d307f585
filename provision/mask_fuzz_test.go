package provision_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

// FuzzMaskURL feeds arbitrary strings to MaskURL: it never panics, masking a
// masked string changes nothing, and the output never holds the password of
// a URL that has one (unless that text is also a visible part of the URL, in
// which case its presence says nothing). Seeds are in
// testdata/fuzz/FuzzMaskURL.
func FuzzMaskURL(f *testing.F) {
	f.Add("rediss://default:AbC123xyz@steady-stud-32559.upstash.io:32559")
	f.Add("redis://:s3cret-pw@127.0.0.1:6390/0")
	f.Add("not a url but maybe a secret")
	f.Fuzz(func(t *testing.T, raw string) {
		masked := provision.MaskURL(raw)
		if again := provision.MaskURL(masked); again != masked {
			t.Fatalf("MaskURL is not idempotent: %q → %q → %q", raw, masked, again)
		}
		if pw, ok := revealable(raw); ok && strings.Contains(masked, pw) {
			t.Fatalf("MaskURL(%q) = %q shows the password %q", raw, masked, pw)
		}
	})
}

// FuzzMaskURLPassword builds URLs the way a backend does, with arbitrary
// user, password, host and path, and wants MaskURL's output not to depend on
// the password at all: then no password, however odd, can leak through it.
func FuzzMaskURLPassword(f *testing.F) {
	f.Add("default", "AbC123xyz", "steady-stud-32559.upstash.io:32559", "")
	f.Add("", "p@ss/w:rd?#%41", "[::1]:6380", "/0")
	f.Add("default", "****", "10.0.0.3:6378", "/15")
	f.Fuzz(func(t *testing.T, user, password, host, path string) {
		with := func(pw string) string {
			u := url.URL{Scheme: "rediss", User: url.UserPassword(user, pw), Host: host, Path: path}
			return u.String()
		}
		raw := with(password)
		if u, err := url.Parse(raw); err != nil || u.User == nil {
			return // not a URL rediskit could have built; FuzzMaskURL covers odd strings
		} else if got, _ := u.User.Password(); got != password {
			return
		}
		if a, b := provision.MaskURL(raw), provision.MaskURL(with("other-password")); a != b {
			t.Fatalf("MaskURL depends on the password:\n%q → %q\n%q → %q", raw, a, with("other-password"), b)
		}
	})
}

// revealable returns the password of raw when raw parses as a URL with a
// host and a password of at least 4 bytes that is not also visible in its
// scheme, user, host or path, and could not be formed across the separators
// and mask MaskURL puts between them.
func revealable(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User == nil {
		return "", false
	}
	pw, has := u.User.Password()
	if !has || len(pw) < 4 || strings.ContainsAny(pw, ":/@*[]") {
		return "", false
	}
	visible := []string{u.Scheme, u.Host, u.User.Username(), url.User(u.User.Username()).String(), u.Path, u.EscapedPath()}
	for _, v := range visible {
		if strings.Contains(v, pw) {
			return "", false
		}
	}
	return pw, true
}
