package tlsurl

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/internal/pythontest"
	"github.com/rediskit/rediskit/internal/redistest"
)

// TestURLWithRedisPy runs the URL WithCAFile writes through the redis-py
// and channels_redis here (Debian's 4.3.4 and 4.0.0 in CI) against a TLS
// redis-server whose certificate does not name the address the URL uses:
// the server listens on 127.0.0.2 too, which its certificate (localhost,
// 127.0.0.1) lacks, as a Memorystore certificate may lack the instance's
// IP. redis-py 6's default is run by passing ssl_check_hostname=True as a
// keyword, which the URL's value must override; the negative controls show
// that the chain and the host name really are checked.
func TestURLWithRedisPy(t *testing.T) {
	python := pythontest.Find(t, "redis", "channels_redis")
	srv, err := redistest.StartServer(redistest.Options{TLS: true, ExtraConfig: []string{"bind 127.0.0.1 127.0.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	caFile, otherFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "other-ca.pem")
	if err := WriteCAFile(caFile, srv.CACertPEM); err != nil {
		t.Fatal(err)
	}
	other, err := redistest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCAFile(otherFile, other.CertPEM()); err != nil {
		t.Fatal(err)
	}

	plain := "rediss://:" + srv.Password + "@" + net.JoinHostPort("127.0.0.2", strconv.Itoa(srv.Port)) + "/0"
	written := WithCAFile(plain, caFile)
	noHostnameParam := strings.TrimSuffix(written, "&"+ParamCheckHostname+"=false")
	if noHostnameParam == written {
		t.Fatalf("WithCAFile(%q) has no %s=false", plain, ParamCheckHostname)
	}
	otherCA := WithCAFile(plain, otherFile)

	out, err := exec.Command(python, filepath.Join("testdata", "redispy_url.py"), written, noHostnameParam, otherCA).CombinedOutput()
	text := strings.ReplaceAll(string(out), srv.Password, "PASSWORD")
	if err != nil {
		t.Fatalf("%s: %v\n%s", python, err, text)
	}
	t.Logf("%s", text)
	results := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		name, rest, _ := strings.Cut(line, " ")
		results[name] = rest
	}
	for _, name := range []string{"url", "parsed", "url+check_hostname_kwarg", "async_url+check_hostname_kwarg", "channel_layer"} {
		if results[name] != "ok" {
			t.Errorf("%s: %q, want ok", name, results[name])
		}
	}
	for name, want := range map[string]string{
		"no_param+check_hostname_kwarg":       "IP address mismatch",
		"async_no_param+check_hostname_kwarg": "IP address mismatch",
		"other_ca":                            "certificate verify failed",
	} {
		if got := results[name]; !strings.HasPrefix(got, "error:") || !strings.Contains(got, want) {
			t.Errorf("%s: %q, want an error with %q (the negative control must fail)", name, got, want)
		}
	}
	if _, err := os.Stat(caFile); err != nil {
		t.Fatal(err)
	}
}
