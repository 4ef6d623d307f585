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
	s.ops.Settle()
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
// etag matches, and starts rolling out the revision a changed template
// makes. The operation finishes once the fake's delay has passed.
func (h *services) UpdateService(_ context.Context, req *runpb.UpdateServiceRequest) (*longrunningpb.Operation, error) {
	s := h.s
	s.ops.Settle()
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
	rev, err := s.updateLocked(req.GetService(), req.GetValidateOnly(), "rediskit@"+projectOf(req.GetService().GetName())+".iam.gserviceaccount.com")
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// Started unlocked: a due operation finishes at once, which takes the lock.
	op := s.startRollout(req.GetService().GetName(), rev)
	if f != nil {
		return nil, faultErr(f)
	}
	return op, nil
}

// updateLocked checks and stores a new spec for a service, returning the
// revision it makes ("" when the template did not change).
func (s *Server) updateLocked(want *runpb.Service, validateOnly bool, modifier string) (string, error) {
	e, err := s.lookup(want.GetName())
	if err != nil {
		return "", err
	}
	if want.GetEtag() != "" && want.GetEtag() != e.svc.GetEtag() {
		return "", status.Errorf(codes.Aborted, "The service %s was modified since it was read (etag %s is not the current one); read it again and retry.", want.GetName(), want.GetEtag())
	}
	if err := s.validateLocked(want); err != nil {
		return "", err
	}
	if validateOnly {
		return "", nil
	}
	next := proto.Clone(want).(*runpb.Service)
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
	if !changed {
		return "", nil
	}
	return s.newRevisionLocked(e), nil
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
	if t.GetRevision() != "" {
		if _, taken := s.revisions[svc.GetName()+"/revisions/"+t.GetRevision()]; taken {
			return status.Errorf(codes.AlreadyExists, "Revision named '%s' with different configuration already exists.", t.GetRevision())
		}
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

// newRevisionLocked records the revision e's template makes.
func (s *Server) newRevisionLocked(e *service) string {
	e.revs++
	t := e.svc.GetTemplate()
	id := t.GetRevision()
	if id == "" {
		id = revisionID(serviceID(e.svc.GetName()), e.revs)
	}
	name := e.svc.GetName() + "/revisions/" + id
	sa := t.GetServiceAccount()
	if sa == "" {
		sa = DefaultServiceAccount(projectOf(e.svc.GetName()))
	}
	s.revisions[name] = &runpb.Revision{
		Name: name, Uid: newEtag(), Generation: 1, Service: e.svc.GetName(),
		Labels: t.GetLabels(), Annotations: t.GetAnnotations(), CreateTime: timestamppb.Now(),
		Scaling: t.GetScaling(), VpcAccess: t.GetVpcAccess(), Timeout: t.GetTimeout(), ServiceAccount: sa,
		Containers: t.GetContainers(), Volumes: t.GetVolumes(), ExecutionEnvironment: t.GetExecutionEnvironment(),
		MaxInstanceRequestConcurrency: t.GetMaxInstanceRequestConcurrency(), Reconciling: true,
		Conditions: []*runpb.Condition{{Type: "Ready", State: runpb.Condition_CONDITION_RECONCILING}},
		Etag:       newEtag(),
	}
	s.revisions[name] = proto.Clone(s.revisions[name]).(*runpb.Revision) // no aliasing with the template
	e.svc.LatestCreatedRevision = name
	return name
}

// startRollout starts the operation that finishes the update of name,
// rolling out rev (or only settling the service when rev is "").
func (s *Server) startRollout(name, rev string) *longrunningpb.Operation {
	return s.ops.Start(memorystoretest.OperationSpec{
		Parent: parentOf(name),
		Delay:  s.currentDelay,
		Metadata: func(bool) proto.Message {
			s.mu.Lock()
			defer s.mu.Unlock()
			return proto.Clone(s.services[name].svc)
		},
		Finish: func() (proto.Message, error) { return s.rollOut(name, rev) },
	})
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

func (s *Server) currentDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}
