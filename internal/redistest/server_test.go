package redistest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// client connects to s the way an app would; tlsConf nil means plain TCP.
func client(t *testing.T, s *Server, password string, tlsConf *tls.Config) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:          s.Addr(),
		Password:      password,
		TLSConfig:     tlsConf,
		MaxRetries:    -1,
		DialerRetries: 1,
		DialTimeout:   5 * time.Second,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ping(c *redis.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func TestPlainServer(t *testing.T) {
	s := Start(t, Options{Password: "plain-secret"})
	if s.CACertPEM != nil || s.CAFile != "" {
		t.Errorf("plain server has CA %q %q", s.CACertPEM, s.CAFile)
	}
	if err := ping(client(t, s, "plain-secret", nil)); err != nil {
		t.Fatalf("PING with the right password: %v", err)
	}
	err := ping(client(t, s, "wrong", nil))
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("PING with a wrong password: got %v, want WRONGPASS", err)
	}
	if err := ping(client(t, s, "", nil)); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING without a password: got %v, want NOAUTH", err)
	}
}

func TestTLSServer(t *testing.T) {
	s := Start(t, Options{TLS: true})
	if s.Password == "" {
		t.Fatal("no password was generated")
	}
	good := &tls.Config{RootCAs: s.RootCAs(), ServerName: "localhost"}
	if err := ping(client(t, s, s.Password, good)); err != nil {
		t.Fatalf("PING over TLS with the CA: %v", err)
	}
	if err := ping(client(t, s, s.Password+"x", good)); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("PING over TLS with a wrong password: got %v, want WRONGPASS", err)
	}
	err := ping(client(t, s, s.Password, &tls.Config{ServerName: "localhost"}))
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("PING over TLS without the CA: got %v, want a certificate verification error", err)
	}
	if err := ping(client(t, s, s.Password, nil)); err == nil {
		t.Fatal("plain TCP to a TLS-only server answered PING")
	}
	pem, err := os.ReadFile(s.CAFile)
	if err != nil || !bytes.Equal(pem, s.CACertPEM) {
		t.Fatalf("CAFile does not hold CACertPEM (err %v)", err)
	}
}

func TestTLSHostnames(t *testing.T) {
	s := Start(t, Options{TLS: true, Hostnames: []string{"db.example.test"}})
	for name, wantOK := range map[string]bool{"db.example.test": true, "127.0.0.1": true, "localhost": false} {
		err := ping(client(t, s, s.Password, &tls.Config{RootCAs: s.RootCAs(), ServerName: name}))
		var herr x509.HostnameError
		switch {
		case wantOK && err != nil:
			t.Errorf("ServerName %s: %v", name, err)
		case !wantOK && !errors.As(err, &herr):
			t.Errorf("ServerName %s: got %v, want a host name error", name, err)
		}
	}
}

func TestURL(t *testing.T) {
	plain := Start(t, Options{Password: "p@ss/word"})
	if got, want := plain.URL(""), "redis://default:p%40ss%2Fword@127.0.0.1:"+strconv.Itoa(plain.Port); got != want {
		t.Errorf("URL(\"\") = %q, want %q", got, want)
	}
	secure := Start(t, Options{TLS: true})
	opt, err := redis.ParseURL(secure.URL("localhost"))
	if err != nil {
		t.Fatal(err)
	}
	if opt.TLSConfig == nil || opt.TLSConfig.ServerName != "localhost" || opt.Password != secure.Password {
		t.Fatalf("ParseURL(URL(localhost)) = TLS %v, password match %v", opt.TLSConfig, opt.Password == secure.Password)
	}
	opt.TLSConfig.RootCAs = secure.RootCAs()
	c := redis.NewClient(opt)
	defer c.Close()
	if err := ping(c); err != nil {
		t.Fatalf("PING via URL: %v", err)
	}
}

func TestPasswordOnlyInPrivateConfig(t *testing.T) {
	s := Start(t, Options{Password: "argv-canary-4711"})
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(s.proc.cmd.Process.Pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cmdline, []byte("argv-canary-4711")) {
		t.Errorf("password is in redis-server's argv: %q", cmdline)
	}
	info, err := os.Stat(filepath.Join(s.dir, "redis.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("redis.conf mode = %o, want 600", mode)
	}
}

func TestCloseStopsAndCleansUp(t *testing.T) {
	s, err := StartServer(Options{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp folder still there after Close: %v", err)
	}
	if conn, err := net.Dial("tcp", s.Addr()); err == nil {
		conn.Close()
		t.Error("something still listens on the port after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestGivenDirIsKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "redis")
	s, err := StartServer(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "redis.log")); err != nil {
		t.Errorf("given Dir was not kept: %v", err)
	}
}

func TestExtraConfig(t *testing.T) {
	s := Start(t, Options{ExtraConfig: []string{`rename-command EVAL ""`}})
	c := client(t, s, s.Password, nil)
	err := c.Eval(context.Background(), "return 1", nil).Err()
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("EVAL after rename-command: got %v, want unknown command", err)
	}
}

func TestStartFailureShowsLog(t *testing.T) {
	_, err := StartServer(Options{ExtraConfig: []string{"no-such-directive yes"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-directive") {
		t.Fatalf("got %v, want an error quoting redis-server's complaint", err)
	}
}

func TestTakenPortIsReported(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := prepare(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.proc.start(l.Addr().(*net.TCPAddr).Port, s.Password); err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	if err := s.awaitReady(); !errors.Is(err, errPortInUse) {
		t.Fatalf("got %v, want errPortInUse", err)
	}
}

func TestCAIssue(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{"a.example.test", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	for _, name := range []string{"a.example.test", "::1"} {
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "b.example.test"}); err == nil {
		t.Error("certificate verified for a name it was not issued for")
	}
}

func TestSharedCA(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	a := Start(t, Options{TLS: true, CA: ca, Hostnames: []string{"a.example.test"}})
	b := Start(t, Options{TLS: true, CA: ca})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	for _, tc := range []struct {
		s    *Server
		name string
	}{{a, "a.example.test"}, {b, "localhost"}} {
		if !bytes.Equal(tc.s.CACertPEM, ca.CertPEM()) {
			t.Errorf("server for %s: CACertPEM is not the given CA", tc.name)
		}
		if pem, err := os.ReadFile(tc.s.CAFile); err != nil || !bytes.Equal(pem, ca.CertPEM()) {
			t.Errorf("server for %s: CAFile does not hold the given CA (err %v)", tc.name, err)
		}
		if err := ping(client(t, tc.s, tc.s.Password, &tls.Config{RootCAs: roots, ServerName: tc.name})); err != nil {
			t.Errorf("PING %s trusting only the given CA: %v", tc.name, err)
		}
	}
	other, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	foreign := x509.NewCertPool()
	foreign.AppendCertsFromPEM(other.CertPEM())
	var verr *tls.CertificateVerificationError
	if err := ping(client(t, a, a.Password, &tls.Config{RootCAs: foreign, ServerName: "a.example.test"})); !errors.As(err, &verr) {
		t.Errorf("PING trusting another CA: got %v, want a certificate verification error", err)
	}
}
