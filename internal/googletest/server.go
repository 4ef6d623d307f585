// Package googletest serves the fakes of every Google API rediskit calls
// (Memorystore, Cloud Run, Secret Manager, and the Operations service they
// share) on one gRPC endpoint, since rediskit sends every Google API call to
// the one address in REDISKIT_GCP_ENDPOINT.
package googletest

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"google.golang.org/grpc"

	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// Options configure the endpoint.
type Options struct {
	// MemorystoreDelay is how long a Memorystore operation takes.
	MemorystoreDelay time.Duration
}

// Server is one fake Google endpoint on 127.0.0.1. The Cloud Run fake's
// apps reach the Memorystore fake's instances only through their
// authorized network, as private addresses are reached.
type Server struct {
	Memorystore *memorystoretest.Server
	CloudRun    *cloudruntest.Server

	grpc     *grpc.Server
	listener net.Listener
}

// Start starts an endpoint. Close it when done.
func Start(opts Options) (*Server, error) {
	ops := memorystoretest.NewOperations()
	ms, err := memorystoretest.New(memorystoretest.Options{Delay: opts.MemorystoreDelay, Operations: ops})
	if err != nil {
		return nil, err
	}
	s := &Server{Memorystore: ms, grpc: grpc.NewServer()}
	s.CloudRun = cloudruntest.New(cloudruntest.Options{Operations: ops, Network: s.privateNetwork})
	ops.Register(s.grpc)
	ms.Register(s.grpc)
	s.CloudRun.Register(s.grpc)
	if s.listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		s.Close()
		return nil, fmt.Errorf("googletest: listen: %w", err)
	}
	go func() { _ = s.grpc.Serve(s.listener) }()
	return s, nil
}

// Addr is the endpoint's host:port, the value for REDISKIT_GCP_ENDPOINT.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Close stops the endpoint and the fakes' Redis servers.
func (s *Server) Close() {
	s.grpc.Stop()
	_ = s.Memorystore.Close()
	s.CloudRun.Close()
}

// privateNetwork places the Memorystore fake's instances on their
// authorized networks, as their private addresses are.
func (s *Server) privateNetwork(addr string) string {
	for _, name := range s.Memorystore.Names() {
		inst, ok := s.Memorystore.Instance(name)
		if ok && net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort()))) == addr {
			return inst.GetAuthorizedNetwork()
		}
	}
	return ""
}
