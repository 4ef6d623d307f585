package tlsurl

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

const ipURL = "rediss://:secret@10.0.0.3:6378/0"

func TestWithCAFile(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{ipURL, ipURL + "?ssl_cert_reqs=required&ssl_ca_certs=/ca.pem&ssl_check_hostname=false"},
		{"rediss://:secret@[fd00::3]:6378/0", "rediss://:secret@[fd00::3]:6378/0?ssl_cert_reqs=required&ssl_ca_certs=/ca.pem&ssl_check_hostname=false"},
		// A host name keeps redis-py's host name check wherever it is on.
		{"rediss://:secret@redis.example.com:6380/0", "rediss://:secret@redis.example.com:6380/0?ssl_cert_reqs=required&ssl_ca_certs=/ca.pem"},
		{ipURL + "?socket_timeout=5", ipURL + "?socket_timeout=5&ssl_cert_reqs=required&ssl_ca_certs=/ca.pem&ssl_check_hostname=false"},
	} {
		if got := WithCAFile(tc.in, "/ca.pem"); got != tc.want {
			t.Errorf("WithCAFile(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestCAParametersRoundTrip(t *testing.T) {
	// What redis-py's parse_url reads (urllib's parse_qs, then unquote)
	// must be the path, and WithoutCAFile must give back the URL exactly.
	for _, base := range []string{ipURL, "rediss://u:p@redis.example.com:6380/0", ipURL + "?socket_timeout=5"} {
		for _, path := range []string{"/srv/app/.env.REDIS_URL-ca.pem", "/home/a b/c&d=e+f%g/.env.X-ca.pem"} {
			u := WithCAFile(base, path)
			parsed, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			q := parsed.Query()
			if q.Get(ParamCAFile) != path || q.Get(ParamCertReqs) != "required" {
				t.Errorf("%s: query gives %v", u, q)
			}
			if back, ok := WithoutCAFile(u, path); !ok || back != base {
				t.Errorf("WithoutCAFile(%q) = %q, %v", u, back, ok)
			}
			if back, ok := WithoutCAFile(u, path+"x"); ok || back != u {
				t.Errorf("WithoutCAFile with another path = %q, %v; want it untouched", back, ok)
			}
		}
	}
	// An older rediskit's lone ssl_ca_certs is not what WithCAFile adds.
	old := ipURL + "?ssl_ca_certs=/ca.pem"
	if back, ok := WithoutCAFile(old, "/ca.pem"); ok || back != old {
		t.Errorf("WithoutCAFile(%q) = %q, %v; want it untouched", old, back, ok)
	}
}

func TestWriteCAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.pem")
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	if err := WriteCAFile(path, pem); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := WriteCAFile(path, pem); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) || after.Mode().Perm() != 0o600 {
		t.Errorf("the same bundle again: replaced %v, mode %v; want the file kept, mode 0600", !os.SameFile(before, after), after.Mode().Perm())
	}
	rotated := append(append([]byte(nil), pem...), pem...)
	if err := WriteCAFile(path, rotated); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(rotated) {
		t.Errorf("after rotation the file holds %q", got)
	}
	if err := WriteCAFile(filepath.Join(t.TempDir(), "missing", "ca.pem"), pem); err == nil {
		t.Error("a missing folder is not an error")
	}
}
