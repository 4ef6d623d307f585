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
	s.stepAll()
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
