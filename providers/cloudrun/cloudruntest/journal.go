package cloudruntest

import (
	"slices"
	"sync"

	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// Fault makes calls of one method fail with a gRPC status; it is the
// Memorystore fake's, so that both fakes take faults alike.
type Fault = memorystoretest.Fault

type faultState struct {
	Fault
	left, skip int
}

// journal counts calls and hands out faults.
type journal struct {
	mu     sync.Mutex
	calls  map[string]int
	faults []*faultState
}

func newJournal() *journal { return &journal{calls: map[string]int{}} }

// enter records a call of method and returns the fault that applies to it,
// using it up, or nil.
func (j *journal) enter(method string) *Fault {
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

func (j *journal) fail(f Fault) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.faults = append(j.faults, &faultState{Fault: f, left: max(f.Count, 1), skip: f.Skip})
}

func (j *journal) count(method string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.calls[method]
}

func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.faults = nil
}

// faultErr is f's status error.
func faultErr(f *Fault) error {
	msg := f.Message
	if msg == "" {
		msg = f.Code.String()
	}
	return status.Error(f.Code, msg)
}
