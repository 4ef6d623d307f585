package memorystoretest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc"

	"github.com/rediskit/rediskit/internal/redistest"
)

// Options configure a fake.
type Options struct {
	// Delay is how long operations take; SetDelay changes it later.
	Delay time.Duration
	// Operations holds the fake's operations. Pass one shared with other
	// fakes on the same grpc.Server; nil makes a private one, which
	// Register then mounts too.
	Operations *Operations
	// CA signs the TLS servers' certificates; a fresh CA when nil.
	CA *redistest.CA
	// Dir holds the redis-servers' folders; a temporary folder that Close
	// removes when empty.
	Dir string
}

// Server is the fake CloudRedis service and its instances. It is safe for
// concurrent use.
type Server struct {
	redispb.UnimplementedCloudRedisServer

	ops      *Operations
	ownOps   bool
	journal  *Journal
	ca       *redistest.CA
	otherCA  *redistest.CA // listed first in server_ca_certs, as after a rotation
	dir      string
	ownDir   bool
	grpc     *grpc.Server
	listener net.Listener

	mu          sync.Mutex
	delay       time.Duration
	unreachable bool
	failNext    []error
	instances   map[string]*entry
	issued      []string // every AUTH string handed out
}

// New returns a fake that serves nothing until registered on a grpc.Server.
func New(opts Options) (*Server, error) {
	s := &Server{ops: opts.Operations, journal: NewJournal(), ca: opts.CA, dir: opts.Dir,
		delay: opts.Delay, instances: map[string]*entry{}}
	if s.ops == nil {
		s.ops, s.ownOps = NewOperations(), true
	}
	var err error
	if s.ca == nil {
		if s.ca, err = redistest.NewCA(); err != nil {
			return nil, err
		}
	}
	if s.otherCA, err = redistest.NewCA(); err != nil {
		return nil, err
	}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "memorystoretest-"); err != nil {
			return nil, fmt.Errorf("memorystoretest: %w", err)
		}
		s.ownDir = true
	}
	return s, nil
}

// Register mounts CloudRedis on g, and the Operations service when the fake
// made its own.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	redispb.RegisterCloudRedisServer(g, s)
	if s.ownOps {
		s.ops.Register(g)
	}
}

// StartServer returns a fake serving gRPC on a free 127.0.0.1 port, alone
// on its grpc.Server. The caller must Close it.
func StartServer(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("memorystoretest: listen: %w", err)
	}
	s.grpc, s.listener = grpc.NewServer(), l
	s.Register(s.grpc)
	go func() { _ = s.grpc.Serve(l) }()
	return s, nil
}

// Start is StartServer for tests: it fails t on error and closes the fake
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

// Addr is the "127.0.0.1:PORT" StartServer listens on, for
// REDISKIT_GCP_ENDPOINT; "" for a fake registered elsewhere.
func (s *Server) Addr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Operations returns the operations service the fake uses.
func (s *Server) Operations() *Operations { return s.ops }

// CA returns the CA that signs the instances' TLS certificates.
func (s *Server) CA() *redistest.CA { return s.ca }

// Close stops serving (when StartServer started it) and every redis-server.
func (s *Server) Close() error {
	if s.grpc != nil {
		s.grpc.Stop()
	}
	s.mu.Lock()
	entries := s.instances
	s.instances = map[string]*entry{}
	s.mu.Unlock()
	var errs []error
	for _, e := range entries {
		errs = append(errs, e.stop())
	}
	if s.ownDir {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	return errors.Join(errs...)
}
