package upstashtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// redisProc is the redis-server behind one fake database.
type redisProc struct {
	srv  *redistest.Server
	port int // the TLS port handed to clients
}

// startAttempts bounds retries when another process takes the TLS port
// between our probe and redis-server's bind.
const startAttempts = 3

// startRedis starts a redis-server for one database: TLS on the returned
// port, with a certificate for the endpoint signed by the fake's shared CA,
// and requirepass.
//
// redistest has no option to sign with a given CA yet, so the TLS listener is
// added through ExtraConfig next to redistest's plain loopback port, which
// only redistest's readiness check uses. With a redistest Options.CA this
// becomes StartServer(Options{Password, TLS: true, Hostnames, Dir, CA}).
func (s *Server) startRedis(id, password string) (*redisProc, error) {
	dir := filepath.Join(s.dir, "redis", id)
	extra, err := s.writeCert(dir)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		srv, err := redistest.StartServer(redistest.Options{
			Password: password, Dir: dir, ExtraConfig: slices.Concat(extra, []string{"tls-port " + strconv.Itoa(port)}),
		})
		if err == nil {
			p := &redisProc{srv: srv, port: port}
			if err = p.awaitTLS(s.opts.Endpoint, s.ca); err == nil {
				return p, nil
			}
			_ = srv.Close()
		}
		if attempt == startAttempts {
			return nil, fmt.Errorf("start redis-server for database %s: %w", id, err)
		}
	}
}

// writeCert writes the database's certificate and returns the redis.conf
// lines that serve it.
func (s *Server) writeCert(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create redis folder: %w", err)
	}
	certPEM, keyPEM, err := s.ca.Issue([]string{s.opts.Endpoint, "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	cert, key := filepath.Join(dir, "upstash-server.crt"), filepath.Join(dir, "upstash-server.key")
	if err := os.WriteFile(cert, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write certificate: %w", err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	return []string{
		"tls-cert-file " + quote(cert),
		"tls-key-file " + quote(key),
		"tls-ca-cert-file " + quote(s.CAFile),
		"tls-auth-clients no",
	}, nil
}

// awaitTLS waits until the TLS port completes a verified handshake.
func (p *redisProc) awaitTLS(endpoint string, ca *redistest.CA) error {
	cfg := tlsConfig(endpoint, ca)
	var err error
	for range 100 {
		var conn *tls.Conn
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", p.addr(), cfg)
		if err == nil {
			return conn.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("TLS port %d does not answer: %w", p.port, err)
}

// setPassword changes requirepass through the TLS port.
func (p *redisProc) setPassword(endpoint string, ca *redistest.CA, old, pw string) error {
	if p == nil {
		return nil
	}
	c := redis.NewClient(&redis.Options{Addr: p.addr(), Password: old, TLSConfig: tlsConfig(endpoint, ca)})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ConfigSet(ctx, "requirepass", pw).Err(); err != nil {
		return fmt.Errorf("set the new password on redis-server: %w", err)
	}
	return nil
}

func (p *redisProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// close stops the redis-server; a nil proc (NoRedis) has nothing to stop.
func (p *redisProc) close() error {
	if p == nil {
		return nil
	}
	return p.srv.Close()
}

func tlsConfig(endpoint string, ca *redistest.CA) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM())
	return &tls.Config{RootCAs: pool, ServerName: endpoint, MinVersion: tls.VersionTLS12}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// quote makes s one argument in redis.conf's double-quoted syntax.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}
