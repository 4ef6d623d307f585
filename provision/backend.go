package provision

import (
	"context"
	"errors"

	"github.com/hashicorp/hcl/v2"
)

// ErrNotFound is wrapped by Backend.Read when the backend no longer exists and
// by Target.Read when the target itself (a service, a file's folder) is gone.
var ErrNotFound = errors.New("not found")

// Spec is an adapter's decoded configuration block. Only the adapter that
// decoded it looks inside.
type Spec any

// Instance is what a backend reports about one Redis it manages.
type Instance struct {
	// ID is the provider's identifier, recorded in state.
	ID string
	// Attrs are the non-secret attributes recorded in state and shown in plans.
	// Adapters must never put a password, token or full URL here.
	Attrs map[string]string
	// URL is the connection URL including credentials. It is never recorded,
	// logged or printed unmasked.
	URL string
	// Status is the provider's view of readiness, e.g. "running", "stopped",
	// "creating". StatusReady means the backend can serve requests.
	Status string
	// Unreachable is set when the backend is only reachable from a private
	// network (Memorystore), so verification from here cannot be done.
	Unreachable bool
	// Private marks a backend on a private address that only its own
	// network (VPC) can reach (Memorystore). Verification then dials with a
	// short timeout, reports a connection that cannot be made as
	// VerifyResult.Unreachable rather than as a failure, and, since such a
	// backend is addressed by IP, checks the certificate chain against
	// CACert without a host name.
	Private bool
	// TLS holds extra trust for the URL's server certificate (PEM), for
	// providers that use their own CA; nil means the system roots.
	CACert []byte
}

// StatusReady is the Instance.Status of a backend that serves requests.
const StatusReady = "ready"

// CreateRequest carries what Backend.Create needs.
type CreateRequest struct {
	// Name is the redis block's label ("channels").
	Name string
	// Spec is the adapter's own decoded block.
	Spec Spec
	// Pending holds what an earlier, interrupted Create recorded through
	// Record (an operation name, a start time); empty on a first attempt.
	Pending map[string]string
	// Record persists resume data in state before a long wait, so that a
	// crash or Ctrl-C leaves enough behind for the next run to re-attach.
	Record func(pending map[string]string) error
	// Progress reports human-readable progress of a long operation.
	Progress func(msg string)
	// Boundary marks a step boundary inside Create (see boundary.go):
	// call it just before and just after the API call that creates the
	// database, with a label such as "after CreateInstance". It may be nil.
	Boundary func(label string)
}

// Backend creates and manages one kind of Redis (local, upstash, memorystore).
//
// Every method may be retried by the engine after a crash, so each one must be
// idempotent: Create re-attaches to or adopts what an earlier attempt started
// (see CreateRequest.Pending) instead of creating a second database; Delete of
// something already gone succeeds. Adapters retry transient API errors
// themselves and stop when ctx ends.
type Backend interface {
	// Type is the block name used in stacks, e.g. "upstash".
	Type() string
	// Decode decodes the adapter's block in a redis block. Problems are
	// diagnostics with source ranges; Decode makes no network calls.
	Decode(body hcl.Body, dc *DecodeContext) (Spec, hcl.Diagnostics)
	// Diff compares the wanted spec with the instance as last read, returning
	// one change per attribute that differs. An empty result means no-op.
	Diff(want Spec, have *Instance) []AttrChange
	// Create makes a new backend and returns it once it is ready.
	Create(ctx context.Context, req CreateRequest) (*Instance, error)
	// Read returns the current instance for a state record. It returns an
	// error wrapping ErrNotFound when the backend no longer exists.
	Read(ctx context.Context, rec Record) (*Instance, error)
	// Update changes in place the attributes Diff reported without
	// ForcesReplace, and returns the instance afterwards.
	Update(ctx context.Context, rec Record, want Spec) (*Instance, error)
	// Delete removes the backend. Deleting one that is gone is not an error.
	Delete(ctx context.Context, rec Record) error
}

// Record is what state keeps about a backend: enough to read or delete it
// without the stack file.
type Record struct {
	Name  string            // the redis block's label
	ID    string            // provider's id
	Attrs map[string]string // non-secret attributes
}

// AttrChange is one attribute that differs between stack and reality.
type AttrChange struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
	// ForcesReplace is set when the provider cannot change this in place.
	ForcesReplace bool `json:"forces_replace,omitempty"`
	// Note explains the change to a person, e.g. "stopped outside rediskit".
	Note string `json:"note,omitempty"`
}
