package cloudruntest

import (
	"strings"
	"testing"

	"github.com/rediskit/rediskit/internal/redistest"
)

// The app reads its URL as redis-py 6 does (gcp-apis.md §6b row 9): the
// host name is checked unless the URL says ssl_check_hostname=false, and the
// chain is checked against ssl_ca_certs either way.
func TestAppChecksTLSAsRedisPy6(t *testing.T) {
	srv, err := redistest.StartServer(redistest.Options{TLS: true, Hostnames: []string{"redis-instance.invalid"}, NoIPSAN: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	other, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	base := srv.URL("") + "/0?ssl_cert_reqs=required&ssl_ca_certs=/etc/ca.pem"
	noNetwork := func(string) string { return "" }
	start := func(url string, ca []byte) string {
		a := &app{env: map[string]string{"REDIS_URL": url}, files: map[string][]byte{"/etc/ca.pem": ca}}
		return a.start("REDIS_URL", nil, noNetwork)
	}
	if got := start(base, srv.CACertPEM); !strings.Contains(got, "IP address mismatch, certificate is not valid for '127.0.0.1'") {
		t.Errorf("without ssl_check_hostname=false: %q, want redis-py 6's host name failure", got)
	}
	for _, off := range []string{"false", "False", "0", "no"} {
		if got := start(base+"&ssl_check_hostname="+off, srv.CACertPEM); got != "" {
			t.Errorf("ssl_check_hostname=%s: %q, want the app to start", off, got)
		}
	}
	if got := start(base+"&ssl_check_hostname=false", other.CertPEM()); !strings.Contains(got, "CERTIFICATE_VERIFY_FAILED") {
		t.Errorf("another CA with ssl_check_hostname=false: %q, want a chain failure", got)
	}
}
