package cmd

import (
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/grpc"

	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// googleFakes holds each script's fake Google endpoint by its address,
// which the script carries in REDISKIT_GCP_ENDPOINT. One endpoint hosts
// every Google fake on one grpc.Server (Memorystore, Cloud Run, Secret
// Manager, and the Operations service they share), since rediskit sends
// every Google API call to that one address.
type googleFakes struct {
	mu      sync.Mutex
	servers map[string]*googleServer
}

// googleServer is one script's fake Google endpoint.
type googleServer struct {
	grpc        *grpc.Server
	listener    net.Listener
	memorystore *memorystoretest.Server
	cloudrun    *cloudruntest.Server
}

func newGoogleFakes() *googleFakes { return &googleFakes{servers: map[string]*googleServer{}} }

// start returns the script's endpoint, starting it (with Memorystore
// operations taking delay) when none runs yet.
func (g *googleFakes) start(ts *testscript.TestScript, delay time.Duration) (srv *googleServer, started bool) {
	if srv := g.running(ts); srv != nil {
		return srv, false
	}
	ops := memorystoretest.NewOperations()
	ms, err := memorystoretest.New(memorystoretest.Options{Delay: delay, Operations: ops})
	ts.Check(err)
	srv = &googleServer{grpc: grpc.NewServer(), memorystore: ms}
	srv.cloudrun = cloudruntest.New(cloudruntest.Options{Operations: ops, Network: srv.privateNetwork})
	ops.Register(srv.grpc)
	ms.Register(srv.grpc)
	srv.cloudrun.Register(srv.grpc)
	srv.listener, err = net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	go func() { _ = srv.grpc.Serve(srv.listener) }()
	addr := srv.listener.Addr().String()
	g.mu.Lock()
	g.servers[addr] = srv
	g.mu.Unlock()
	ts.Defer(func() {
		g.mu.Lock()
		delete(g.servers, addr)
		g.mu.Unlock()
		srv.grpc.Stop()
		_ = ms.Close()
		srv.cloudrun.Close()
	})
	ts.Setenv(gcp.EnvEndpoint, addr)
	return srv, true
}

// running returns the script's endpoint, or nil.
func (g *googleFakes) running(ts *testscript.TestScript) *googleServer {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.servers[ts.Getenv(gcp.EnvEndpoint)]
}

// must returns the script's endpoint, failing the script without one.
func (g *googleFakes) must(ts *testscript.TestScript, cmd string) *googleServer {
	srv := g.running(ts)
	if srv == nil {
		ts.Fatalf("no Google fake runs at %s=%q; run `%s start` first", gcp.EnvEndpoint, ts.Getenv(gcp.EnvEndpoint), cmd)
	}
	return srv
}

// privateNetwork places the Memorystore fake's instances on their
// authorized networks, as their private addresses are.
func (srv *googleServer) privateNetwork(addr string) string {
	for _, name := range srv.memorystore.Names() {
		inst, ok := srv.memorystore.Instance(name)
		if ok && net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort()))) == addr {
			return inst.GetAuthorizedNetwork()
		}
	}
	return ""
}
