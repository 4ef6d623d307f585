package memorystoretest

import (
	"sort"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Calls returns how many calls of method the fake saw, by short name:
// "CreateInstance", "GetInstance", … and the Operations service's
// "GetOperation" and "DeleteOperation".
func (s *Server) Calls(method string) int { return CallsOf(s.journal, s.ops, method) }

// Fail adds a fault; faults are checked in the order they were added.
// Operations methods go to the Operations service.
func (s *Server) Fail(f Fault) { AddFaultTo(s.journal, s.ops, f) }

// FailNextOperation makes the next operation started end in a status error
// with code and msg. A failed create leaves no instance; a failed update,
// upgrade or delete leaves the instance unchanged and READY.
func (s *Server) FailNextOperation(code codes.Code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, status.Error(code, msg))
}

func (s *Server) takeFailNext() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failNext) == 0 {
		return nil
	}
	err := s.failNext[0]
	s.failNext = s.failNext[1:]
	return err
}

// Reset turns off every fault and pending operation failure; instances stay.
func (s *Server) Reset() {
	s.journal.Reset()
	s.ops.journal.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = nil
}

// SetDelay sets how long operations take, running ones included.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *Server) currentDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}

// SetUnreachable makes instances created from now on report a loopback
// port where nothing listens, as a private address looks from outside its
// network.
func (s *Server) SetUnreachable(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreachable = on
}

// SetState sets an instance's state, e.g. MAINTENANCE or REPAIRING.
func (s *Server) SetState(name string, state redispb.Instance_State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(name)
	if err != nil {
		return err
	}
	e.inst.State = state
	return nil
}

// AddInstance makes a READY instance directly, without an operation or a
// call being counted, as if someone had created it earlier: for imports and
// name clashes. parent is "projects/P/locations/R"; inst needs at least
// tier and memory_size_gb. A CreateTime in inst is kept.
func (s *Server) AddInstance(parent, id string, inst *redispb.Instance) (*redispb.Instance, error) {
	created := inst.GetCreateTime()
	full, err := newInstance(&redispb.CreateInstanceRequest{Parent: parent, InstanceId: id, Instance: inst})
	if err != nil {
		return nil, err
	}
	if created != nil {
		full.CreateTime = proto.Clone(created).(*timestamppb.Timestamp)
	}
	e, err := s.add(full)
	if err != nil {
		return nil, err
	}
	return s.setState(e, redispb.Instance_READY, nil), nil
}

// Instance returns a copy of the named instance.
func (s *Server) Instance(name string) (*redispb.Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(name)
	if err != nil {
		return nil, false
	}
	return proto.Clone(e.inst).(*redispb.Instance), true
}

// AuthString returns the named instance's AUTH string, "" when AUTH is off
// or the instance is unknown.
func (s *Server) AuthString(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, err := s.lookup(name); err == nil {
		return e.auth
	}
	return ""
}

// AuthStrings returns every AUTH string the fake has handed out, those of
// deleted instances and turned-off AUTH included, for secret-leak checks.
func (s *Server) AuthStrings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// Names returns the instances' names, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.instances))
	for n := range s.instances {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
