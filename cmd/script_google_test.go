package cmd

import (
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rediskit/rediskit/internal/googletest"
	"github.com/rediskit/rediskit/providers/gcp"
)

// googleFakes holds each script's fake Google endpoint (see googletest) by
// its address, which the script carries in REDISKIT_GCP_ENDPOINT.
type googleFakes struct {
	mu      sync.Mutex
	servers map[string]*googletest.Server
}

func newGoogleFakes() *googleFakes { return &googleFakes{servers: map[string]*googletest.Server{}} }

// start returns the script's endpoint, starting it (with Memorystore
// operations taking delay) when none runs yet.
func (g *googleFakes) start(ts *testscript.TestScript, delay time.Duration) (srv *googletest.Server, started bool) {
	if srv := g.running(ts); srv != nil {
		return srv, false
	}
	srv, err := googletest.Start(googletest.Options{MemorystoreDelay: delay})
	ts.Check(err)
	addr := srv.Addr()
	g.mu.Lock()
	g.servers[addr] = srv
	g.mu.Unlock()
	ts.Defer(func() {
		g.mu.Lock()
		delete(g.servers, addr)
		g.mu.Unlock()
		srv.Close()
	})
	ts.Setenv(gcp.EnvEndpoint, addr)
	return srv, true
}

// running returns the script's endpoint, or nil.
func (g *googleFakes) running(ts *testscript.TestScript) *googletest.Server {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.servers[ts.Getenv(gcp.EnvEndpoint)]
}

// must returns the script's endpoint, failing the script without one.
func (g *googleFakes) must(ts *testscript.TestScript, cmd string) *googletest.Server {
	srv := g.running(ts)
	if srv == nil {
		ts.Fatalf("no Google fake runs at %s=%q; run `%s start` first", gcp.EnvEndpoint, ts.Getenv(gcp.EnvEndpoint), cmd)
	}
	return srv
}
