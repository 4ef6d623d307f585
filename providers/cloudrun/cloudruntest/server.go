package cloudruntest

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// DefaultAppEnv is the variable the fake's app reads its Redis URL from.
const DefaultAppEnv = "REDIS_URL"

// Options configure a fake.
type Options struct {
	// Operations holds the fake's operations. Pass the one the Memorystore
	// fake on the same grpc.Server uses; nil makes a private one, which
	// Register then mounts too.
	Operations *memorystoretest.Operations
	// Delay is how long an update takes to roll out; SetDelay changes it.
	Delay time.Duration
	// Network returns the VPC network (projects/P/global/networks/N) that
	// alone reaches addr ("host:port"), or "" for an address reachable from
	// anywhere. The Memorystore fake's instances are private this way.
	Network func(addr string) string
	// AppEnv is the variable the app reads its Redis URL from; default
	// DefaultAppEnv.
	AppEnv string
}

// Server is the fake Cloud Run and Secret Manager. It is safe for
// concurrent use.
type Server struct {
	ops     *memorystoretest.Operations
	ownOps  bool
	journal *journal
	network func(addr string) string
	appEnv  string
	// appNeeds makes the app fail without appEnv, as Django settings
	// reading os.environ[appEnv] do.
	appNeeds bool
	grpc     *grpc.Server
	listener net.Listener

	mu        sync.Mutex
	delay     time.Duration
	roots     []byte // PEM: the CAs the container image trusts
	conflicts int    // UpdateService calls that find someone else wrote first
	writes    int    // out-of-band writes so far
	gets      int    // GetService calls since the last UpdateService
	services  map[string]*service
	revisions map[string]*runpb.Revision
	configs   map[string]*runpb.RevisionTemplate // by revision: the template that made it, unnamed
	rollouts  []*rollout                         // updates not carried out yet
	secrets   map[string]*secret
	iam       iamLag
}

// service is a stored service, its revision counter, its revisions in
// the order they were made, and its latest update.
type service struct {
	svc     *runpb.Service
	revs    int
	order   []string
	rollout *rollout
}

// secret is a stored secret, its versions (index = number-1) and IAM
// policy.
type secret struct {
	secret   *secretmanagerpb.Secret
	versions []*version
	policy   *iampb.Policy
	grants   map[string]*grant // by member, grants made through SetIamPolicy
}

type version struct {
	meta    *secretmanagerpb.SecretVersion
	payload []byte
}

// New returns a fake that serves nothing until registered.
func New(opts Options) *Server {
	s := &Server{ops: opts.Operations, journal: memorystoretest.NewJournal(), network: opts.Network, appEnv: opts.AppEnv,
		delay: opts.Delay, services: map[string]*service{}, revisions: map[string]*runpb.Revision{}, configs: map[string]*runpb.RevisionTemplate{},
		secrets: map[string]*secret{}}
	if s.ops == nil {
		s.ops, s.ownOps = memorystoretest.NewOperations(), true
	}
	if s.network == nil {
		s.network = func(string) string { return "" }
	}
	if s.appEnv == "" {
		s.appEnv = DefaultAppEnv
	}
	return s
}

// Register mounts Services, Revisions and SecretManagerService on g, and
// the Operations service when the fake made its own.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	runpb.RegisterServicesServer(g, &services{s: s})
	runpb.RegisterRevisionsServer(g, &revisions{s: s})
	secretmanagerpb.RegisterSecretManagerServiceServer(g, &secretManager{s: s})
	if s.ownOps {
		s.ops.Register(g)
	}
}

// StartServer returns a fake serving gRPC on a free 127.0.0.1 port, alone
// on its grpc.Server. The caller must Close it.
func StartServer(opts Options) (*Server, error) {
	s := New(opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cloudruntest: listen: %w", err)
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
	t.Cleanup(s.Close)
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
func (s *Server) Operations() *memorystoretest.Operations { return s.ops }

// Close stops serving, when StartServer started it.
func (s *Server) Close() {
	if s.grpc != nil {
		s.grpc.Stop()
	}
}
