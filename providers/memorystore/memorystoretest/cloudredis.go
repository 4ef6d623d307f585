package memorystoretest

import (
	"context"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// updatable are the update_mask paths UpdateInstance accepts.
var updatable = map[string]bool{
	"display_name": true, "labels": true, "memory_size_gb": true, "redis_configs": true,
	"replica_count": true, "auth_enabled": true, "maintenance_policy": true,
	"persistence_config": true, "read_replicas_mode": true, "secondary_ip_range": true,
}

// verbDetail is the status detail of a running operation, by verb.
var verbDetail = map[string]string{"create": "Creating", "update": "Updating", "upgrade": "Upgrading", "delete": "Deleting"}

// GetInstance returns an instance or NotFound.
func (s *Server) GetInstance(_ context.Context, req *redispb.GetInstanceRequest) (*redispb.Instance, error) {
	s.ops.Settle()
	if f := s.journal.Enter("GetInstance"); f != nil {
		return nil, f.err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(e.inst).(*redispb.Instance), nil
}

// GetInstanceAuthString returns the AUTH string, empty when AUTH is off.
func (s *Server) GetInstanceAuthString(_ context.Context, req *redispb.GetInstanceAuthStringRequest) (*redispb.InstanceAuthString, error) {
	s.ops.Settle()
	if f := s.journal.Enter("GetInstanceAuthString"); f != nil {
		return nil, f.err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(req.GetName())
	if err != nil {
		return nil, err
	}
	if !e.inst.GetAuthEnabled() {
		return &redispb.InstanceAuthString{}, nil
	}
	return &redispb.InstanceAuthString{AuthString: e.auth}, nil
}

// CreateInstance validates the request, starts the instance's redis-server
// at once (the instance reads CREATING) and returns the create operation.
func (s *Server) CreateInstance(_ context.Context, req *redispb.CreateInstanceRequest) (*longrunningpb.Operation, error) {
	s.ops.Settle()
	f := s.journal.Enter("CreateInstance")
	if f != nil && !f.Lost {
		return nil, f.err()
	}
	inst, err := newInstance(req)
	if err != nil {
		return nil, err
	}
	e, err := s.add(inst)
	if err != nil {
		return nil, err
	}
	name := inst.GetName()
	failure := s.takeFailNext()
	op := s.startOp(name, "create", func() (proto.Message, error) {
		if failure != nil {
			s.remove(name)
			return nil, failure
		}
		return s.setState(e, redispb.Instance_READY, nil), nil
	})
	if f != nil {
		return nil, f.err()
	}
	return op, nil
}

// add records inst and starts its server; a taken name is AlreadyExists.
func (s *Server) add(inst *redispb.Instance) (*entry, error) {
	s.mu.Lock()
	if _, taken := s.instances[inst.GetName()]; taken {
		s.mu.Unlock()
		return nil, status.Errorf(codes.AlreadyExists, "Resource '%s' already exists", inst.GetName())
	}
	e := &entry{inst: inst}
	s.instances[inst.GetName()] = e
	unreachable := s.unreachable
	s.mu.Unlock()
	if err := s.serve(e, unreachable); err != nil {
		s.remove(inst.GetName())
		return nil, err
	}
	s.mu.Lock()
	fillComputed(e.inst)
	s.mu.Unlock()
	return e, nil
}

// UpdateInstance changes the fields named by the update mask once its
// operation finishes; the instance reads UPDATING meanwhile.
func (s *Server) UpdateInstance(_ context.Context, req *redispb.UpdateInstanceRequest) (*longrunningpb.Operation, error) {
	s.ops.Settle()
	f := s.journal.Enter("UpdateInstance")
	if f != nil && !f.Lost {
		return nil, f.err()
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, status.Error(codes.InvalidArgument, "update_mask must name at least one field")
	}
	for _, p := range paths {
		if !updatable[p] {
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path %q cannot be updated", p)
		}
	}
	want := req.GetInstance()
	e, err := s.begin(want.GetName(), redispb.Instance_UPDATING, func(inst *redispb.Instance) error {
		if slices.Contains(paths, "memory_size_gb") && (want.GetMemorySizeGb() < 1 || want.GetMemorySizeGb() > 300) {
			return status.Errorf(codes.InvalidArgument, "memory_size_gb %d must be between 1 and 300", want.GetMemorySizeGb())
		}
		after := proto.Clone(inst).(*redispb.Instance)
		applyMask(after, want, paths)
		secondary := ""
		if slices.Contains(paths, "secondary_ip_range") {
			secondary = want.GetSecondaryIpRange()
		}
		return checkUpdate(inst, after, paths, secondary)
	})
	if err != nil {
		return nil, err
	}
	failure := s.takeFailNext()
	want = proto.Clone(want).(*redispb.Instance)
	op := s.startOp(e.inst.GetName(), "update", func() (proto.Message, error) {
		if failure != nil {
			return nil, s.fail(e, failure)
		}
		if err := s.applyAuth(e, paths, want.GetAuthEnabled()); err != nil {
			return nil, s.fail(e, err)
		}
		return s.setState(e, redispb.Instance_READY, func(inst *redispb.Instance) { applyMask(inst, want, paths) }), nil
	})
	if f != nil {
		return nil, f.err()
	}
	return op, nil
}

func applyMask(inst, want *redispb.Instance, paths []string) {
	for _, p := range paths {
		switch p {
		case "display_name":
			inst.DisplayName = want.GetDisplayName()
		case "labels":
			inst.Labels = want.GetLabels()
		case "memory_size_gb":
			inst.MemorySizeGb = want.GetMemorySizeGb()
		case "redis_configs":
			inst.RedisConfigs = want.GetRedisConfigs()
		case "replica_count":
			inst.ReplicaCount = want.GetReplicaCount()
		case "auth_enabled":
			inst.AuthEnabled = want.GetAuthEnabled()
		case "read_replicas_mode":
			inst.ReadReplicasMode = want.GetReadReplicasMode()
		case "secondary_ip_range":
			inst.SecondaryIpRange = resolveSecondary(want.GetSecondaryIpRange())
		case "maintenance_policy":
			inst.MaintenancePolicy = want.GetMaintenancePolicy()
		case "persistence_config":
			inst.PersistenceConfig = want.GetPersistenceConfig()
		}
	}
	fillComputed(inst)
}

// applyAuth turns AUTH on (with a new AUTH string) or off on the server.
func (s *Server) applyAuth(e *entry, paths []string, on bool) error {
	if !slices.Contains(paths, "auth_enabled") || on == e.inst.GetAuthEnabled() {
		return nil
	}
	pw := ""
	if on {
		pw = s.newAuthString()
	}
	if err := e.setRequirePass(s.ca, pw); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	s.mu.Lock()
	e.auth = pw
	s.mu.Unlock()
	return nil
}

// UpgradeInstance sets a newer redis_version once its operation finishes.
func (s *Server) UpgradeInstance(_ context.Context, req *redispb.UpgradeInstanceRequest) (*longrunningpb.Operation, error) {
	s.ops.Settle()
	f := s.journal.Enter("UpgradeInstance")
	if f != nil && !f.Lost {
		return nil, f.err()
	}
	version := req.GetRedisVersion()
	if !versionPattern.MatchString(version) {
		return nil, status.Errorf(codes.InvalidArgument, "redis_version %q is not supported", version)
	}
	e, err := s.begin(req.GetName(), redispb.Instance_UPDATING, func(inst *redispb.Instance) error {
		if !versionAtLeast(version, inst.GetRedisVersion()) {
			return status.Errorf(codes.InvalidArgument, "cannot downgrade from %s to %s", inst.GetRedisVersion(), version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	failure := s.takeFailNext()
	op := s.startOp(e.inst.GetName(), "upgrade", func() (proto.Message, error) {
		if failure != nil {
			return nil, s.fail(e, failure)
		}
		return s.setState(e, redispb.Instance_READY, func(inst *redispb.Instance) { inst.RedisVersion = version }), nil
	})
	if f != nil {
		return nil, f.err()
	}
	return op, nil
}

// DeleteInstance removes the instance and stops its server once the
// operation finishes; the instance reads DELETING meanwhile.
func (s *Server) DeleteInstance(_ context.Context, req *redispb.DeleteInstanceRequest) (*longrunningpb.Operation, error) {
	s.ops.Settle()
	f := s.journal.Enter("DeleteInstance")
	if f != nil && !f.Lost {
		return nil, f.err()
	}
	e, err := s.begin(req.GetName(), redispb.Instance_DELETING, nil)
	if err != nil {
		return nil, err
	}
	failure := s.takeFailNext()
	op := s.startOp(e.inst.GetName(), "delete", func() (proto.Message, error) {
		if failure != nil {
			return nil, s.fail(e, failure)
		}
		s.remove(e.inst.GetName())
		return &emptypb.Empty{}, nil
	})
	if f != nil {
		return nil, f.err()
	}
	return op, nil
}

// begin checks that the instance exists and is READY, runs check on it and
// moves it to state.
func (s *Server) begin(name string, state redispb.Instance_State, check func(*redispb.Instance) error) (*entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if st := e.inst.GetState(); st != redispb.Instance_READY {
		return nil, status.Errorf(codes.FailedPrecondition, "The instance is busy (state %s); try again when it is READY.", st)
	}
	if check != nil {
		if err := check(e.inst); err != nil {
			return nil, err
		}
	}
	e.inst.State = state
	return e, nil
}

// fail ends an operation on e in error, leaving the instance READY.
func (s *Server) fail(e *entry, err error) error {
	s.setState(e, redispb.Instance_READY, nil)
	return err
}

// setState moves e to state after change, returning a copy.
func (s *Server) setState(e *entry, state redispb.Instance_State, change func(*redispb.Instance)) *redispb.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	if change != nil {
		change(e.inst)
	}
	e.inst.State = state
	return proto.Clone(e.inst).(*redispb.Instance)
}

// startOp starts an operation on instance name. The caller must not hold
// s.mu: a zero delay finishes the operation at once.
func (s *Server) startOp(name, verb string, finish func() (proto.Message, error)) *longrunningpb.Operation {
	parent := name[:strings.Index(name, "/instances/")]
	created := time.Now()
	detail := verbDetail[verb] + " instance " + name[strings.LastIndex(name, "/")+1:]
	return s.ops.Start(OperationSpec{
		Parent: parent,
		Delay:  s.currentDelay,
		Metadata: func(done bool) proto.Message {
			meta := &redispb.OperationMetadata{CreateTime: timestamppb.New(created), Target: name, Verb: verb,
				StatusDetail: detail, ApiVersion: "v1"}
			if done {
				meta.EndTime, meta.StatusDetail = timestamppb.Now(), "Completed"
			}
			return meta
		},
		Finish: finish,
	})
}

func (s *Server) lookup(name string) (*entry, error) {
	e, ok := s.instances[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Resource '%s' was not found", name)
	}
	return e, nil
}

func (s *Server) remove(name string) {
	s.mu.Lock()
	e, ok := s.instances[name]
	delete(s.instances, name)
	s.mu.Unlock()
	if ok {
		_ = e.stop()
	}
}
