package memorystoretest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Operations is a fake google.longrunning.Operations service holding the
// operations of every fake registered beside it. It is safe for concurrent
// use.
type Operations struct {
	longrunningpb.UnimplementedOperationsServer

	journal *Journal
	mu      sync.Mutex
	seq     int
	ops     map[string]*operation
}

// OperationSpec describes an operation a fake starts.
type OperationSpec struct {
	// Parent is "projects/P/locations/L"; the operation is named below it.
	Parent string
	// Delay returns how long after its start the operation finishes; it is
	// asked at every read, so a fake may change it for running operations.
	Delay func() time.Duration
	// Metadata returns the operation's metadata; done tells whether it has
	// finished.
	Metadata func(done bool) proto.Message
	// Finish runs once, at the first read after the delay. Its message is
	// the operation's response; a status error becomes its error.
	Finish func() (proto.Message, error)
}

type operation struct {
	spec    OperationSpec
	name    string
	started time.Time
	mu      sync.Mutex
	result  *longrunningpb.Operation // set once finished
}

// NewOperations returns an empty operations service.
func NewOperations() *Operations {
	return &Operations{journal: NewJournal(), ops: map[string]*operation{}}
}

// Register mounts the service on g. Register it once per grpc.Server.
func (o *Operations) Register(g grpc.ServiceRegistrar) {
	longrunningpb.RegisterOperationsServer(g, o)
}

// Calls returns how many calls of method ("GetOperation", …) the service saw.
func (o *Operations) Calls(method string) int { return o.journal.Count(method) }

// Fail adds a fault to this service's methods.
func (o *Operations) Fail(f Fault) { o.journal.AddFault(f) }

// Start adds an operation and returns it as a client first sees it.
func (o *Operations) Start(spec OperationSpec) *longrunningpb.Operation {
	o.mu.Lock()
	o.seq++
	op := &operation{spec: spec, started: time.Now(),
		name: fmt.Sprintf("%s/operations/operation-%d-%d", spec.Parent, time.Now().UnixNano(), o.seq)}
	o.ops[op.name] = op
	o.mu.Unlock()
	return op.read()
}

// GetOperation returns an operation, finishing it when its time has come.
func (o *Operations) GetOperation(_ context.Context, req *longrunningpb.GetOperationRequest) (*longrunningpb.Operation, error) {
	if f := o.journal.Enter("GetOperation"); f != nil {
		return nil, f.err()
	}
	op, err := o.lookup(req.GetName())
	if err != nil {
		return nil, err
	}
	return op.read(), nil
}

// DeleteOperation forgets an operation, as Google does a few hours after it
// finished.
func (o *Operations) DeleteOperation(_ context.Context, req *longrunningpb.DeleteOperationRequest) (*emptypb.Empty, error) {
	if f := o.journal.Enter("DeleteOperation"); f != nil {
		return nil, f.err()
	}
	if _, err := o.lookup(req.GetName()); err != nil {
		return nil, err
	}
	o.Forget(req.GetName())
	return &emptypb.Empty{}, nil
}

// Settle finishes every operation whose time has come, as Google's would
// without anyone polling. Fakes call it before answering.
func (o *Operations) Settle() {
	o.mu.Lock()
	ops := make([]*operation, 0, len(o.ops))
	for _, op := range o.ops {
		ops = append(ops, op)
	}
	o.mu.Unlock()
	for _, op := range ops {
		op.read()
	}
}

// Forget drops an operation, so that reading it answers NotFound.
func (o *Operations) Forget(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.ops, name)
}

func (o *Operations) lookup(name string) (*operation, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, ok := o.ops[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Operation %q was not found.", name)
	}
	return op, nil
}

// read returns the operation's current form, finishing it when due. The
// caller must not hold a lock that Finish takes.
func (op *operation) read() *longrunningpb.Operation {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.result == nil && time.Since(op.started) >= op.spec.Delay() {
		op.finish()
	}
	if op.result != nil {
		return proto.Clone(op.result).(*longrunningpb.Operation)
	}
	return &longrunningpb.Operation{Name: op.name, Metadata: mustAny(op.spec.Metadata(false))}
}

func (op *operation) finish() {
	res := &longrunningpb.Operation{Name: op.name, Done: true}
	msg, err := op.spec.Finish()
	if err != nil {
		res.Result = &longrunningpb.Operation_Error{Error: status.Convert(err).Proto()}
	} else {
		res.Result = &longrunningpb.Operation_Response{Response: mustAny(msg)}
	}
	res.Metadata = mustAny(op.spec.Metadata(true))
	op.result = res
}

func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(fmt.Sprintf("memorystoretest: marshal %T: %v", m, err))
	}
	return a
}
