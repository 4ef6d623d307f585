package memorystoretest

import (
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Fault makes calls of one method fail with a gRPC status.
type Fault struct {
	// Method is the RPC's short name, e.g. "CreateInstance" or
	// "GetOperation"; "" matches every method.
	Method string
	// Code is the status code to answer, e.g. codes.Unavailable.
	Code codes.Code
	// Message is the status message; default the code's name.
	Message string
	// Count is how many calls fail; 0 means 1.
	Count int
	// Skip lets this many matching calls through first.
	Skip int
	// Lost makes the call take effect before the error is returned, as
	// when the answer is lost on the way back.
	Lost bool
}

// err returns the fault as a gRPC status error.
func (f *Fault) err() error {
	msg := f.Message
	if msg == "" {
		msg = f.Code.String()
	}
	return status.Error(f.Code, msg)
}

type faultState struct {
	Fault
	left, skip int
}

// Journal counts a fake's calls and hands out the faults injected into it;
// the Cloud Run and Secret Manager fakes use it too.
type Journal struct {
	mu     sync.Mutex
	calls  map[string]int
	faults []*faultState
}

// NewJournal returns an empty journal.
func NewJournal() *Journal { return &Journal{calls: map[string]int{}} }

// Enter records a call of method and returns the fault that applies to it,
// using it up, or nil.
func (j *Journal) Enter(method string) *Fault {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls[method]++
	for i, f := range j.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		if f.left--; f.left == 0 {
			j.faults = slices.Delete(j.faults, i, i+1)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// AddFault queues a fault.
func (j *Journal) AddFault(f Fault) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.faults = append(j.faults, &faultState{Fault: f, left: max(f.Count, 1), skip: f.Skip})
}

// Count returns how many calls of method were made.
func (j *Journal) Count(method string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.calls[method]
}

// Reset drops the queued faults.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.faults = nil
}

// CallsOf counts the calls of method a fake with journal j saw; methods of
// the Operations service ("GetOperation", …) are counted by ops, which
// fakes on one endpoint share.
func CallsOf(j *Journal, ops *Operations, method string) int {
	if strings.HasSuffix(method, "Operation") {
		return ops.Calls(method)
	}
	return j.Count(method)
}

// AddFaultTo adds f to journal j, or to ops for an Operations method.
func AddFaultTo(j *Journal, ops *Operations, f Fault) {
	if strings.HasSuffix(f.Method, "Operation") {
		ops.Fail(f)
		return
	}
	j.AddFault(f)
}
