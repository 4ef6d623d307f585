package cloudruntest

import (
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// Fault makes calls of one method fail with a gRPC status; it is the
// Memorystore fake's, so that both fakes take faults alike.
type Fault = memorystoretest.Fault

// journal is the Memorystore fake's call journal, shared so that both
// fakes count calls and take faults alike.
type journal = memorystoretest.Journal

// faultErr is f's status error.
func faultErr(f *Fault) error {
	msg := f.Message
	if msg == "" {
		msg = f.Code.String()
	}
	return status.Error(f.Code, msg)
}
