package upstashtest

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rediskit/rediskit/internal/redistest"
)

// Options configures a fake.
type Options struct {
	// Email and APIKey are the accepted basic-auth credentials; defaults are
	// "dev@example.com" and a random key.
	Email, APIKey string
	// Endpoint is the host name returned for every database and named in its
	// certificate; default "localhost".
	Endpoint string
	// CA signs every database's certificate; a fresh one when nil. Pass one
	// to trust several fakes through one SSL_CERT_FILE.
	CA *redistest.CA
	// Dir holds the redis-server folders and the CA file. Empty means a
	// temporary folder that Close removes.
	Dir string
	// NoRedis starts no redis-server: databases get a port nothing listens
	// on. For tests of the API alone.
	NoRedis bool
	// Now is the clock behind creation_time; time.Now when nil.
	Now func() time.Time
}

// Server is a running fake.
type Server struct {
	// URL is the API base URL, for UPSTASH_API_URL.
	URL string
	// Email and APIKey are the credentials, for UPSTASH_EMAIL and
	// UPSTASH_API_KEY.
	Email, APIKey string
	// CAFile is the PEM file of the CA behind every database's certificate,
	// for SSL_CERT_FILE.
	CAFile string

	opts      Options
	ca        *redistest.CA
	dir       string
	removeDir bool
	http      *httptest.Server
	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	dbs      []*database
	faults   []*faultState
	latency  time.Duration
	hold     int
	drops    int
	requests []Request
	stats    map[string]Stats // by database id; see SetStats
}

// NewServer starts a fake listening on 127.0.0.1. The caller must Close it.
func NewServer(opts Options) (*Server, error) {
	opts = withDefaults(opts)
	s := &Server{opts: opts, Email: opts.Email, APIKey: opts.APIKey}
	if err := s.prepareDir(); err != nil {
		return nil, err
	}
	if err := s.prepareCA(); err != nil {
		s.cleanupDir()
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.cleanupDir()
		return nil, fmt.Errorf("upstashtest: listen on 127.0.0.1: %w", err)
	}
	s.http = httptest.NewUnstartedServer(s.handler())
	s.http.Listener.Close()
	s.http.Listener = l
	s.http.Start()
	s.URL = s.http.URL
	return s, nil
}

// Start is NewServer for tests: it fails t on error and closes the fake when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
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

func withDefaults(o Options) Options {
	if o.Email == "" {
		o.Email = "dev@example.com"
	}
	if o.APIKey == "" {
		o.APIKey = randomHex(16)
	}
	if o.Endpoint == "" {
		o.Endpoint = "localhost"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (s *Server) prepareDir() error {
	s.dir = s.opts.Dir
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "upstashtest-")
		if err != nil {
			return fmt.Errorf("upstashtest: create folder: %w", err)
		}
		s.dir, s.removeDir = dir, true
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("upstashtest: create folder: %w", err)
	}
	return nil
}

func (s *Server) prepareCA() error {
	s.ca = s.opts.CA
	if s.ca == nil {
		ca, err := redistest.NewCA()
		if err != nil {
			return fmt.Errorf("upstashtest: %w", err)
		}
		s.ca = ca
	}
	s.CAFile = filepath.Join(s.dir, "upstash-ca.pem")
	if err := os.WriteFile(s.CAFile, s.ca.CertPEM(), 0o644); err != nil {
		return fmt.Errorf("upstashtest: write CA file: %w", err)
	}
	return nil
}

func (s *Server) cleanupDir() {
	if s.removeDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Close stops the API and every database's redis-server, and removes the
// temporary folder. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.http.Close()
		s.mu.Lock()
		dbs := s.dbs
		s.dbs = nil
		s.mu.Unlock()
		var errs []error
		for _, db := range dbs {
			errs = append(errs, db.redis.close())
		}
		if s.removeDir {
			errs = append(errs, os.RemoveAll(s.dir))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Request is one API request the fake received.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query,omitempty"`
	// Body is the request body as sent (the first 64 KiB).
	Body string `json:"body,omitempty"`
}

// Requests returns the API requests received so far, control requests
// excluded, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// handler routes control requests, then runs every API request through the
// request log, latency, faults and auth.
func (s *Server) handler() http.Handler {
	api, control := s.apiMux(), s.controlMux()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, controlPrefix) {
			control.ServeHTTP(w, r)
			return
		}
		latency := s.logRequest(r)
		if !sleepCtx(r, latency) {
			return
		}
		if f := s.takeFault(r); f != nil {
			f.write(w)
			return
		}
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, ShapeText, "Unauthorized")
			return
		}
		api.ServeHTTP(w, r)
	})
}

// logRequest records r, keeping its body readable for the handler.
func (s *Server) logRequest(r *http.Request) time.Duration {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxLoggedBody))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)})
	return s.latency
}

const maxLoggedBody = 64 << 10

func (s *Server) authorized(r *http.Request) bool {
	email, key, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(email), []byte(s.Email)) == 1 &&
		subtle.ConstantTimeCompare([]byte(key), []byte(s.APIKey)) == 1
}

// sleepCtx waits d unless the client goes away first.
func sleepCtx(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
