package dotenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rediskit/rediskit/provision"
)

const (
	tlsURL = "rediss://:" + secret + "@10.0.0.3:6378/0"
	caPEM  = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
)

func TestWriteWithCA(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	target := New(provision.Env{Dir: dir})
	conn := provision.Connection{URL: tlsURL, CACert: []byte(caPEM)}
	if err := target.Write(ctx, attrsFor(".env"), conn); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, ".env.REDIS_URL-ca.pem")
	if got := readFile(t, ca); got != caPEM {
		t.Errorf("CA file = %q", got)
	}
	if mode := stat(t, ca).Mode(); mode != 0o600 {
		t.Errorf("CA file mode = %v, want 0600", mode)
	}
	// The host is an IP address: chain checked, host name not (see tlsurl).
	want := "REDIS_URL='" + tlsURL + "?ssl_cert_reqs=required&ssl_ca_certs=" + ca + "&ssl_check_hostname=false'\n"
	if got := readFile(t, filepath.Join(dir, ".env")); got != want {
		t.Errorf(".env = %q, want %q", got, want)
	}
	checkOnly(t, dir, ".env", ".env.REDIS_URL-ca.pem")
	if value, set, err := target.Read(ctx, attrsFor(".env")); err != nil || !set || value != tlsURL {
		t.Errorf("Read = %q, %v, %v; want exactly the URL written", value, set, err)
	}

	// The same connection again replaces neither file.
	envBefore, caBefore := stat(t, filepath.Join(dir, ".env")), stat(t, ca)
	if err := target.Write(ctx, attrsFor(".env"), conn); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(envBefore, stat(t, filepath.Join(dir, ".env"))) || !os.SameFile(caBefore, stat(t, ca)) {
		t.Error("a file was replaced although its content was right")
	}

	// A new CA replaces the bundle.
	rotated := caPEM + caPEM
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: tlsURL, CACert: []byte(rotated)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, ca); got != rotated {
		t.Errorf("CA file after rotation = %q", got)
	}
}

func TestReadWithMissingCAIsDrift(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	target := New(provision.Env{Dir: dir})
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: tlsURL, CACert: []byte(caPEM)}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, ".env.REDIS_URL-ca.pem")); err != nil {
		t.Fatal(err)
	}
	value, set, err := target.Read(ctx, attrsFor(".env"))
	if err != nil || !set || value == tlsURL || !strings.HasPrefix(value, tlsURL+"?ssl_cert_reqs=required&ssl_ca_certs=") {
		t.Errorf("Read = %q, %v, %v; want the URL with its parameter, so that it differs", value, set, err)
	}
}

func TestWriteWithoutCARemovesTheBundle(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	target := New(provision.Env{Dir: dir})
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: tlsURL, CACert: []byte(caPEM)}); err != nil {
		t.Fatal(err)
	}
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: secretURL}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, ".env")); got != "REDIS_URL="+secretURL+"\n" {
		t.Errorf(".env = %q", got)
	}
	checkOnly(t, dir, ".env")
}

func TestRemoveDeletesTheBundle(t *testing.T) {
	ctx, dir := context.Background(), t.TempDir()
	writeFile(t, filepath.Join(dir, ".env"), "DEBUG=1\n", 0o600)
	target := New(provision.Env{Dir: dir})
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: tlsURL, CACert: []byte(caPEM)}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time there is nothing left to remove
		if err := target.Remove(ctx, attrsFor(".env")); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(dir, ".env")); got != "DEBUG=1\n" {
			t.Errorf(".env = %q", got)
		}
		checkOnly(t, dir, ".env")
	}
}

func TestReadOfAnOlderCAParameterIsDrift(t *testing.T) {
	// rediskit before tlsurl wrote ?ssl_ca_certs=PATH alone, which redis-py
	// 6 refuses for an IP address. Read must not strip it, so that the
	// next apply sees drift and writes the parameters that work.
	ctx, dir := context.Background(), t.TempDir()
	target := New(provision.Env{Dir: dir})
	if err := target.Write(ctx, attrsFor(".env"), provision.Connection{URL: tlsURL, CACert: []byte(caPEM)}); err != nil {
		t.Fatal(err)
	}
	old := tlsURL + "?ssl_ca_certs=" + filepath.Join(dir, ".env.REDIS_URL-ca.pem")
	writeFile(t, filepath.Join(dir, ".env"), "REDIS_URL="+old+"\n", 0o600)
	if value, set, err := target.Read(ctx, attrsFor(".env")); err != nil || !set || value != old {
		t.Errorf("Read = %q, %v, %v; want the old value as it is", value, set, err)
	}
}
