package cloudruntest

import (
	"regexp"
	"slices"
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

// rollout is one update of a service being carried out. Cloud Run creates
// the revision of a changed template asynchronously (gcp-apis.md §6b row
// 4): the fake creates it no earlier than the second request it sees after
// UpdateService returned, so that a client reading latest_created_revision
// right after the update still finds the previous revision there. The
// revision then starts once the fake's delay has passed since the update.
type rollout struct {
	service  string
	gen      int64
	template *runpb.RevisionTemplate // nil: the template did not change
	started  time.Time

	returned  bool   // UpdateService has answered; the rollout may start
	seen      bool   // a request has seen the rollout before its revision exists
	revision  string // full name, once created
	reused    bool   // the template named an existing revision with its configuration
	launching bool
	done      bool
	failure   string // why the revision did not become ready
}

// queueLocked starts the rollout of e's new spec; changed says whether its
// template changed, which makes a revision.
func (s *Server) queueLocked(e *service, changed bool) *rollout {
	r := &rollout{service: e.svc.GetName(), gen: e.svc.GetGeneration(), started: time.Now()}
	if changed {
		r.template = proto.Clone(e.svc.GetTemplate()).(*runpb.RevisionTemplate)
	}
	if old := e.rollout; old != nil && !old.done && old.revision == "" && old.template != nil {
		// Superseded before its revision was made: it never will be.
		old.done, old.failure = true, "superseded by a later update of the service"
	}
	e.rollout = r
	s.rollouts = append(s.rollouts, r)
	return r
}

// stepAll moves every rollout on by one request, as time passes on Cloud
// Run whether or not anyone polls. Handlers call it first.
func (s *Server) stepAll() {
	s.mu.Lock()
	s.rollouts = slices.DeleteFunc(s.rollouts, func(r *rollout) bool { return r.done })
	rs := slices.Clone(s.rollouts)
	s.mu.Unlock()
	for _, r := range rs {
		s.step(r, false)
	}
}

// step moves r on: the first request that sees it only sees it queued,
// the next creates its revision, and once the delay has passed the
// revision's containers start. now skips both waits (out-of-band edits).
func (s *Server) step(r *rollout, now bool) {
	s.mu.Lock()
	if (!r.returned && !now) || r.done || r.launching {
		s.mu.Unlock()
		return
	}
	if r.template != nil && r.revision == "" {
		if !r.seen && !now {
			r.seen = true
			s.mu.Unlock()
			return
		}
		s.createRevisionLocked(r)
	}
	if !now && time.Since(r.started) < s.delay {
		s.mu.Unlock()
		return
	}
	if r.template == nil || r.reused {
		name := r.revision
		if e, ok := s.services[r.service]; ok && r.template == nil {
			name = e.svc.GetLatestCreatedRevision()
		}
		s.finishLocked(r, s.revisionFailure(name))
		s.mu.Unlock()
		return
	}
	r.launching = true
	s.mu.Unlock()
	failure := s.launch(r.revision)
	s.mu.Lock()
	settleRevision(s.revisions[r.revision], failure)
	r.launching = false
	s.finishLocked(r, failure)
	s.mu.Unlock()
}

// finishNow carries r out at once, for out-of-band changes.
func (s *Server) finishNow(r *rollout) {
	for i := 0; i < 3 && !s.isDone(r); i++ {
		s.step(r, true)
	}
}

func (s *Server) isDone(r *rollout) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.done
}

// revisionFailure is the message of a revision that failed, "" for one
// that is ready (or none).
func (s *Server) revisionFailure(name string) string {
	if name == "" {
		return ""
	}
	if st, msg := readyState(s.revisions[name]); st == runpb.Condition_CONDITION_FAILED {
		return msg
	}
	return ""
}

// createRevisionLocked makes r's revision, or reuses the existing one its
// template names with the same configuration.
func (s *Server) createRevisionLocked(r *rollout) {
	e, ok := s.services[r.service]
	if !ok {
		r.done, r.failure = true, "the service is gone"
		return
	}
	if id := r.template.GetRevision(); id != "" {
		if _, taken := s.revisions[r.service+"/revisions/"+id]; taken {
			r.revision, r.reused = r.service+"/revisions/"+id, true
		}
	}
	if r.revision == "" {
		r.revision = s.newRevisionLocked(e, r.template)
	}
	if e.rollout == r {
		e.svc.LatestCreatedRevision = r.revision
	}
}

// newRevisionLocked records the revision template t of e makes.
func (s *Server) newRevisionLocked(e *service, t *runpb.RevisionTemplate) string {
	e.revs++
	id := t.GetRevision()
	if id == "" {
		id = revisionID(serviceID(e.svc.GetName()), e.revs)
	}
	name := e.svc.GetName() + "/revisions/" + id
	rev := &runpb.Revision{
		Name: name, Uid: newEtag(), Generation: 1, Service: e.svc.GetName(),
		Labels: t.GetLabels(), Annotations: t.GetAnnotations(), CreateTime: timestamppb.Now(),
		Scaling: t.GetScaling(), VpcAccess: t.GetVpcAccess(), Timeout: t.GetTimeout(), ServiceAccount: t.GetServiceAccount(),
		Containers: t.GetContainers(), Volumes: t.GetVolumes(), ExecutionEnvironment: t.GetExecutionEnvironment(),
		MaxInstanceRequestConcurrency: t.GetMaxInstanceRequestConcurrency(), Reconciling: true,
		Conditions: []*runpb.Condition{{Type: "Ready", State: runpb.Condition_CONDITION_RECONCILING}},
		Etag:       newEtag(),
	}
	s.revisions[name] = proto.Clone(rev).(*runpb.Revision) // no aliasing with the template
	s.configs[name] = configOf(t)
	e.order = append(e.order, name)
	return name
}

// finishLocked ends r with failure ("" for success) and, while r is its
// service's latest update, reports the outcome on the service as Cloud
// Run does (§6b row 3): on failure only reconciling and the conditions
// change; observed_generation, latest_ready_revision and traffic_statuses
// keep the last serving revision's values.
func (s *Server) finishLocked(r *rollout, failure string) {
	r.done, r.failure = true, failure
	e, ok := s.services[r.service]
	if !ok || e.rollout != r {
		return
	}
	svc := e.svc
	now := timestamppb.Now()
	svc.Reconciling = false
	if failure != "" {
		full := notReady(svc.GetLatestCreatedRevision(), failure)
		svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_FAILED, Message: full,
			Severity: runpb.Condition_ERROR, LastTransitionTime: now}
		svc.Conditions = []*runpb.Condition{
			{Type: "RoutesReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
			{Type: "ConfigurationsReady", State: runpb.Condition_CONDITION_FAILED, Message: full, Severity: runpb.Condition_ERROR, LastTransitionTime: now},
		}
		return
	}
	svc.LatestReadyRevision = svc.GetLatestCreatedRevision()
	svc.TerminalCondition = &runpb.Condition{Type: "Ready", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now}
	svc.Conditions = []*runpb.Condition{
		{Type: "RoutesReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
		{Type: "ConfigurationsReady", State: runpb.Condition_CONDITION_SUCCEEDED, LastTransitionTime: now},
	}
	svc.ObservedGeneration = r.gen
	svc.TrafficStatuses = trafficStatuses(svc)
}

// startOperation is the operation of r: it is done once r is, with the
// service as its response, or FAILED_PRECONDITION when the revision failed.
func (s *Server) startOperation(r *rollout) *longrunningpb.Operation {
	return s.ops.Start(memorystoretest.OperationSpec{
		Parent: parentOf(r.service),
		Delay: func() time.Duration {
			s.step(r, false) // a poll of the operation is a request too
			if s.isDone(r) {
				return 0
			}
			return 24 * time.Hour
		},
		Metadata: func(bool) proto.Message {
			s.mu.Lock()
			defer s.mu.Unlock()
			return proto.Clone(s.services[r.service].svc)
		},
		Finish: func() (proto.Message, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if r.failure != "" {
				rev := r.revision
				if rev == "" {
					rev = s.services[r.service].svc.GetLatestCreatedRevision()
				}
				return nil, status.Error(codes.FailedPrecondition, notReady(rev, r.failure))
			}
			return proto.Clone(s.services[r.service].svc), nil
		},
	})
}

// revisionIDPattern is a revision id Cloud Run accepts: a DNS label.
var revisionIDPattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// checkRevisionNameLocked refuses a client-chosen revision name that breaks
// Cloud Run's rules (the service's name and a hyphen first, a DNS label of
// at most 63 characters), and one that exists with another configuration.
func (s *Server) checkRevisionNameLocked(svc *runpb.Service) error {
	id := svc.GetTemplate().GetRevision()
	if id == "" {
		return nil
	}
	prefix := serviceID(svc.GetName()) + "-"
	if !strings.HasPrefix(id, prefix) || len(id) == len(prefix) || !revisionIDPattern.MatchString(id) {
		return status.Errorf(codes.InvalidArgument, "service.template.revision: %q must start with the service name followed by a hyphen (%q) and be at most 63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", id, prefix)
	}
	name := svc.GetName() + "/revisions/" + id
	if have, taken := s.configs[name]; taken && !proto.Equal(have, configOf(svc.GetTemplate())) {
		return status.Errorf(codes.AlreadyExists, "Revision named '%s' with different configuration already exists.", id)
	}
	return nil
}

// configOf is what makes a revision's configuration: its template without
// the name.
func configOf(t *runpb.RevisionTemplate) *runpb.RevisionTemplate {
	c := proto.Clone(t).(*runpb.RevisionTemplate)
	c.Revision = ""
	return c
}

// defaultSecretMode is the file mode Cloud Run gives secret volume files
// when the template names none (0444).
const defaultSecretMode = 0o444

// fillComputed fills what Cloud Run fills in a spec it stores (§6b rows 2
// and 5): the runtime service account, full network names of Direct VPC
// egress (a subnetwork given alone is in the network of its name, a
// network given alone uses the subnetwork of its name in the region), and
// the mode of secret volumes.
func fillComputed(svc *runpb.Service) {
	t := svc.GetTemplate()
	if t == nil {
		return
	}
	project := projectOf(svc.GetName())
	if t.ServiceAccount == "" {
		t.ServiceAccount = DefaultServiceAccount(project)
	}
	for _, ni := range t.GetVpcAccess().GetNetworkInterfaces() {
		net, sub := shortName(ni.GetNetwork()), shortName(ni.GetSubnetwork())
		if net == "" {
			net = sub
		}
		if sub == "" {
			sub = net
		}
		if !strings.Contains(ni.GetNetwork(), "/") && net != "" {
			ni.Network = "projects/" + project + "/global/networks/" + net
		}
		if !strings.Contains(ni.GetSubnetwork(), "/") && sub != "" {
			ni.Subnetwork = "projects/" + project + "/regions/" + regionOf(svc.GetName()) + "/subnetworks/" + sub
		}
	}
	for _, v := range t.GetVolumes() {
		if sec := v.GetSecret(); sec != nil && sec.DefaultMode == 0 {
			sec.DefaultMode = defaultSecretMode
		}
	}
}

func shortName(n string) string { return n[strings.LastIndex(n, "/")+1:] }

// regionOf is L of projects/P/locations/L/services/S.
func regionOf(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) > 3 {
		return parts[3]
	}
	return ""
}
