package upstashtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/internal/redistest"
)

// redisProc is the redis-server behind one fake database.
type redisProc struct {
	srv  *redistest.Server
	port int // the TLS port handed to clients
}

// startRedis starts a redis-server for one database: TLS only, with a
// certificate for the endpoint signed by the fake's shared CA, and
// requirepass.
func (s *Server) startRedis(id, password string) (*redisProc, error) {
	srv, err := redistest.StartServer(redistest.Options{
		Password:  password,
		TLS:       true,
		Hostnames: []string{s.opts.Endpoint},
		Dir:       filepath.Join(s.dir, "redis", id),
		CA:        s.ca,
	})
	if err != nil {
		return nil, fmt.Errorf("start redis-server for database %s: %w", id, err)
	}
	return &redisProc{srv: srv, port: srv.Port}, nil
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
