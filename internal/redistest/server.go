package redistest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
)

// Options says how to run a test redis-server.
type Options struct {
	// Password is the requirepass; a random one is generated when empty.
	Password string
	// TLS makes the server speak TLS only (port 0, tls-port set).
	TLS bool
	// Hostnames are the DNS SANs of the server certificate; default
	// "localhost". 127.0.0.1 is always an IP SAN.
	Hostnames []string
	// NoIPSAN leaves 127.0.0.1 out of the certificate, which then names
	// only Hostnames: like Memorystore's, whose certificates need not name
	// the IP address clients reach the instance by (gcp-apis.md §6b row 9).
	NoIPSAN bool
	// CA signs the server certificate when TLS is set; a fresh CA when nil.
	// Pass one CA to several servers so that one SSL_CERT_FILE trusts them
	// all. CACertPEM and CAFile then hold this CA.
	CA *CA
	// Dir holds the config, data, log and certificates. Empty means a fresh
	// temporary folder that Close removes; a given Dir is created if missing
	// and left in place.
	Dir string
	// ExtraConfig lines are appended verbatim to redis.conf, e.g.
	// `rename-command EVAL ""`.
	ExtraConfig []string
}

// Server is a running redis-server.
type Server struct {
	Host      string // always "127.0.0.1"
	Port      int
	Password  string
	CACertPEM []byte // PEM of the test CA when TLS, nil otherwise
	CAFile    string // path of CACertPEM on disk, for SSL_CERT_FILE; "" without TLS

	tls       bool
	name      string // a name the certificate carries, for the readiness check
	dir       string
	removeDir bool
	proc      *process
	closeOnce sync.Once
	closeErr  error
}

// maxAttempts bounds retries when another process takes the chosen port
// between our probe and redis-server's bind.
const maxAttempts = 5

// StartServer starts redis-server and returns once it answers PING with
// AUTH (over TLS when opts.TLS). The caller must Close it.
func StartServer(opts Options) (*Server, error) {
	s, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err = s.launch()
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == maxAttempts {
			break
		}
	}
	if s.removeDir {
		_ = os.RemoveAll(s.dir)
	}
	return nil, err
}

// Start is StartServer for tests: it fails t on error and closes the server
// when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := StartServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// URL returns redis:// (or rediss:// with TLS) with user "default" and the
// password, at host (127.0.0.1 when empty) and the server's port.
func (s *Server) URL(host string) string {
	if host == "" {
		host = s.Host
	}
	scheme := "redis"
	if s.tls {
		scheme = "rediss"
	}
	u := url.URL{
		Scheme: scheme,
		User:   url.UserPassword("default", s.Password),
		Host:   net.JoinHostPort(host, strconv.Itoa(s.Port)),
	}
	return u.String()
}

// RootCAs returns a pool holding only the test CA, or nil without TLS.
func (s *Server) RootCAs() *x509.CertPool {
	if s.CACertPEM == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CACertPEM)
	return pool
}

// Close stops redis-server (SIGTERM, then SIGKILL after a grace period) and
// removes the temporary folder. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.proc != nil {
			errs = append(errs, s.proc.stop())
		}
		if s.removeDir {
			if err := os.RemoveAll(s.dir); err != nil {
				errs = append(errs, fmt.Errorf("remove test redis folder: %w", err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// prepare settles the folder and password and writes the TLS files.
func prepare(opts Options) (*Server, error) {
	s := &Server{Host: "127.0.0.1", Password: opts.Password, tls: opts.TLS, dir: opts.Dir}
	if s.Password == "" {
		s.Password = randomHex(16)
	}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "redistest-")
		if err != nil {
			return nil, fmt.Errorf("create test redis folder: %w", err)
		}
		s.dir, s.removeDir = dir, true
	} else if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create test redis folder: %w", err)
	}
	s.proc = &process{dir: s.dir, extra: opts.ExtraConfig}
	if opts.TLS {
		if err := s.writeTLSFiles(opts.CA, opts.Hostnames, opts.NoIPSAN); err != nil {
			if s.removeDir {
				_ = os.RemoveAll(s.dir)
			}
			return nil, err
		}
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
