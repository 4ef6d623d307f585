package cloudruntest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// services is the google.cloud.run.v2.Services side of the fake.
type services struct {
	runpb.UnimplementedServicesServer
	s *Server
}

// GetService returns a service or NotFound, after rolling out whatever is
// due.
func (h *services) GetService(_ context.Context, req *runpb.GetServiceRequest) (*runpb.Service, error) {
	s := h.s
	s.stepAll()
	if f := s.journal.Enter("GetService"); f != nil {
		return nil, faultErr(f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	e, err := s.lookup(req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(e.svc).(*runpb.Service), nil
}

// UpdateService replaces the service's spec with the one sent, when the
// etag matches, and queues the rollout of the revision a changed template
// makes. As on Cloud Run, the revision is created after the call returned
// (see rollout), and the operation finishes with the rollout, whether or
// not anyone polls it.
func (h *services) UpdateService(_ context.Context, req *runpb.UpdateServiceRequest) (*longrunningpb.Operation, error) {
	s := h.s
	s.stepAll()
	f := s.journal.Enter("UpdateService")
	if f != nil && !f.Lost {
		return nil, faultErr(f)
	}
	s.mu.Lock()
	s.gets = 0
	if s.conflicts > 0 {
		s.conflicts--
		s.concurrentWriteLocked(req.GetService().GetName())
	}
	r, err := s.updateLocked(req.GetService(), req.GetValidateOnly(), "rediskit@"+projectOf(req.GetService().GetName())+".iam.gserviceaccount.com")
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if r == nil { // validate_only
		return s.ops.Start(memorystoretest.OperationSpec{Parent: parentOf(req.GetService().GetName()), Delay: func() time.Duration { return 0 },
			Metadata: func(bool) proto.Message { return proto.Clone(req.GetService()) },
			Finish:   func() (proto.Message, error) { return proto.Clone(req.GetService()), nil }}), nil
	}
	op := s.startOperation(r)
	s.mu.Lock()
	r.returned = true // from now on the rollout may start
	s.mu.Unlock()
	if f != nil {
		return nil, faultErr(f)
	}
	return op, nil
}

// updateLocked checks and stores a new spec for a service and returns the
// rollout it starts (nil for validate_only).
func (s *Server) updateLocked(want *runpb.Service, validateOnly bool, modifier string) (*rollout, error) {
	e, err := s.lookup(want.GetName())
	if err != nil {
		return nil, err
	}
	if want.GetEtag() != "" && want.GetEtag() != e.svc.GetEtag() {
		return nil, status.Errorf(codes.Aborted, "The service %s was modified since it was read (etag %s is not the current one); read it again and retry.", want.GetName(), want.GetEtag())
	}
	next := proto.Clone(want).(*runpb.Service)
	fillComputed(next)
	if err := s.validateLocked(next); err != nil {
		return nil, err
	}
	if validateOnly {
		return nil, nil
	}
	keepOutputs(next, e.svc)
	changed := !proto.Equal(e.svc.GetTemplate(), next.GetTemplate())
	next.Generation++
	next.Etag = newEtag()
	next.UpdateTime = timestamppb.Now()
	next.LastModifier = modifier
	next.Reconciling = true
	next.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_RECONCILING,
		LastTransitionTime: timestamppb.Now()}
	e.svc = next
	return s.queueLocked(e, changed), nil
}

// keepOutputs copies the output-only fields of old into next: what a
// client sends there is ignored.
func keepOutputs(next, old *runpb.Service) {
	next.Uid, next.Generation, next.CreateTime = old.Uid, old.Generation, old.CreateTime
	next.UpdateTime, next.DeleteTime, next.ExpireTime = old.UpdateTime, old.DeleteTime, old.ExpireTime
	next.Creator, next.LastModifier = old.Creator, old.LastModifier
	next.ObservedGeneration, next.TerminalCondition, next.Conditions = old.ObservedGeneration, old.TerminalCondition, old.Conditions
	next.LatestReadyRevision, next.LatestCreatedRevision = old.LatestReadyRevision, old.LatestCreatedRevision
	next.TrafficStatuses, next.Uri, next.Urls = old.TrafficStatuses, old.Uri, old.Urls
	next.SatisfiesPzs, next.Reconciling, next.Etag = old.SatisfiesPzs, old.Reconciling, old.Etag
}

// validateLocked refuses what Cloud Run refuses of a spec.
func (s *Server) validateLocked(svc *runpb.Service) error {
	t := svc.GetTemplate()
	if t == nil || len(t.GetContainers()) == 0 {
		return status.Error(codes.InvalidArgument, "service.template.containers: at least one container is required")
	}
	if err := checkUserKeys("service.labels", svc.GetLabels(), "service.annotations", svc.GetAnnotations()); err != nil {
		return err
	}
	if err := checkUserKeys("service.template.labels", t.GetLabels(), "service.template.annotations", t.GetAnnotations()); err != nil {
		return err
	}
	if err := s.checkRevisionNameLocked(svc); err != nil {
		return err
	}
	if err := checkVPC(t.GetVpcAccess()); err != nil {
		return err
	}
	return checkContainers(t)
}

// systemPrefixes are label and annotation prefixes Cloud Run v2 keeps for
// itself.
var systemPrefixes = []string{"run.googleapis.com", "cloud.googleapis.com", "serving.knative.dev", "autoscaling.knative.dev"}

func checkUserKeys(labelsField string, labels map[string]string, annotationsField string, annotations map[string]string) error {
	for field, m := range map[string]map[string]string{labelsField: labels, annotationsField: annotations} {
		for k := range m {
			for _, p := range systemPrefixes {
				if strings.HasPrefix(k, p) {
					return status.Errorf(codes.InvalidArgument, "%s: the key %q uses the system prefix %s, which Cloud Run v2 does not accept", field, k, p)
				}
			}
		}
	}
	return nil
}

func checkVPC(v *runpb.VpcAccess) error {
	switch {
	case v == nil:
		return nil
	case v.GetConnector() != "" && len(v.GetNetworkInterfaces()) > 0:
		return status.Error(codes.InvalidArgument, "service.template.vpc_access: a VPC connector and network interfaces cannot both be set")
	case len(v.GetNetworkInterfaces()) > 1:
		return status.Error(codes.InvalidArgument, "service.template.vpc_access.network_interfaces: only one network interface is supported")
	}
	for _, ni := range v.GetNetworkInterfaces() {
		if ni.GetNetwork() == "" && ni.GetSubnetwork() == "" {
			return status.Error(codes.InvalidArgument, "service.template.vpc_access.network_interfaces[0]: at least one of network or subnetwork is required")
		}
	}
	return nil
}

// checkContainers checks names, env vars and volume mounts.
func checkContainers(t *runpb.RevisionTemplate) error {
	volumes := map[string]bool{}
	for _, v := range t.GetVolumes() {
		if volumes[v.GetName()] {
			return status.Errorf(codes.InvalidArgument, "service.template.volumes: duplicate volume name %q", v.GetName())
		}
		volumes[v.GetName()] = true
	}
	withPorts := 0
	for i, c := range t.GetContainers() {
		if len(c.GetPorts()) > 0 {
			withPorts++
		}
		names := map[string]bool{}
		for _, ev := range c.GetEnv() {
			if names[ev.GetName()] {
				return status.Errorf(codes.InvalidArgument, "service.template.containers[%d].env: duplicate variable %q", i, ev.GetName())
			}
			names[ev.GetName()] = true
		}
		for _, m := range c.GetVolumeMounts() {
			if !volumes[m.GetName()] {
				return status.Errorf(codes.InvalidArgument, "service.template.containers[%d].volume_mounts: no volume named %q", i, m.GetName())
			}
		}
	}
	if len(t.GetContainers()) > 1 && withPorts != 1 {
		return status.Error(codes.InvalidArgument, "service.template.containers: exactly one container must serve a port when there are several")
	}
	return nil
}

func (s *Server) lookup(name string) (*service, error) {
	e, ok := s.services[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Resource '%s' was not found", name)
	}
	return e, nil
}

func newEtag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return `"` + hex.EncodeToString(b) + `"`
}

// revisionID names a revision as Cloud Run does: SERVICE-NNNNN-xyz.
func revisionID(service string, n int) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	suffix := make([]byte, 3)
	for i := range b {
		suffix[i] = 'a' + b[i]%26
	}
	return fmt.Sprintf("%s-%05d-%s", service, n, suffix)
}

func serviceID(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func projectOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) > 1 {
		return parts[1]
	}
	return ""
}

// parentOf is projects/P/locations/L of a service name.
func parentOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) < 4 {
		return name
	}
	return strings.Join(parts[:4], "/")
}
