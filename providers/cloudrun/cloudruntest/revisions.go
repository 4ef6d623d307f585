package cloudruntest

import (
	"context"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// revisions is the google.cloud.run.v2.Revisions side of the fake.
type revisions struct {
	runpb.UnimplementedRevisionsServer
	s *Server
}

// GetRevision returns a revision or NotFound.
func (h *revisions) GetRevision(_ context.Context, req *runpb.GetRevisionRequest) (*runpb.Revision, error) {
	s := h.s
	s.ops.Settle()
	if f := s.journal.Enter("GetRevision"); f != nil {
		return nil, faultErr(f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rev, ok := s.revisions[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Resource '%s' was not found", req.GetName())
	}
	return proto.Clone(rev).(*runpb.Revision), nil
}

// rollOut finishes an update: it starts rev's container (when the update
// made a revision), records the outcome on the revision and, once the
// latest revision has one, on the service.
func (s *Server) rollOut(name, rev string) (proto.Message, error) {
	failure := ""
	if rev != "" {
		failure = s.launch(rev)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev != "" {
		settleRevision(s.revisions[rev], failure)
	}
	e, ok := s.services[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Resource '%s' was not found", name)
	}
	s.settleServiceLocked(e)
	if failure != "" {
		return nil, status.Error(codes.FailedPrecondition, notReady(rev, failure))
	}
	return proto.Clone(e.svc), nil
}

// notReady is Cloud Run's message for a revision that failed.
func notReady(rev, failure string) string {
	return "Revision '" + serviceID(rev) + "' is not ready and cannot serve traffic. " + failure
}

func settleRevision(rev *runpb.Revision, failure string) {
	if rev == nil {
		return
	}
	cond := &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: timestamppb.Now()}
	if failure != "" {
		cond.State, cond.Message, cond.Severity = runpb.Condition_CONDITION_FAILED, failure, runpb.Condition_ERROR
		cond.Reasons = &runpb.Condition_RevisionReason_{RevisionReason: runpb.Condition_HEALTH_CHECK_CONTAINER_ERROR}
	}
	rev.Reconciling, rev.ObservedGeneration, rev.Conditions = false, rev.GetGeneration(), []*runpb.Condition{cond}
	rev.Etag = newEtag()
}

// readyState is the state of a revision's Ready condition.
func readyState(rev *runpb.Revision) (runpb.Condition_State, string) {
	for _, c := range rev.GetConditions() {
		if c.GetType() == "Ready" {
			return c.GetState(), c.GetMessage()
		}
	}
	return runpb.Condition_CONDITION_PENDING, ""
}

// settleServiceLocked ends e's reconciliation once its latest revision
// is ready or has failed, as Cloud Run reports it.
func (s *Server) settleServiceLocked(e *service) {
	svc := e.svc
	if !svc.GetReconciling() {
		return
	}
	latest := s.revisions[svc.GetLatestCreatedRevision()]
	state, msg := readyState(latest)
	now := timestamppb.Now()
	switch state {
	case runpb.Condition_CONDITION_SUCCEEDED:
		svc.LatestReadyRevision = latest.GetName()
		svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now}
		svc.Conditions = []*runpb.Condition{
			{Type: "RoutesReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
			{Type: "ConfigurationsReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
		}
	case runpb.Condition_CONDITION_FAILED:
		full := notReady(latest.GetName(), msg)
		svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_FAILED, Message: full,
			Severity: runpb.Condition_ERROR, LastTransitionTime: now}
		svc.Conditions = []*runpb.Condition{
			{Type: "RoutesReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
			{Type: "ConfigurationsReady", State: runpb.Condition_CONDITION_FAILED, Message: full, Severity: runpb.Condition_ERROR, LastTransitionTime: now},
		}
	default:
		return
	}
	svc.Reconciling, svc.ObservedGeneration = false, svc.GetGeneration()
	svc.TrafficStatuses = trafficStatuses(svc)
}

// trafficStatuses is where traffic goes: LATEST entries to the latest
// ready revision, REVISION entries to theirs.
func trafficStatuses(svc *runpb.Service) []*runpb.TrafficTargetStatus {
	var out []*runpb.TrafficTargetStatus
	for _, t := range svc.GetTraffic() {
		st := &runpb.TrafficTargetStatus{Type: t.GetType(), Revision: t.GetRevision(), Percent: t.GetPercent(), Tag: t.GetTag()}
		if t.GetType() == runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST {
			st.Revision = serviceID(svc.GetLatestReadyRevision())
		}
		out = append(out, st)
	}
	return out
}
