package cloudruntest

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
)

// Calls returns how many calls of method the fake saw, by short name
// ("UpdateService", "AccessSecretVersion", …); Operations methods go to
// the shared operations service.
func (s *Server) Calls(method string) int { return memorystoretest.CallsOf(s.journal, s.ops, method) }

// Fail adds a fault; faults are checked in the order they were added.
// Operations methods go to the shared operations service.
func (s *Server) Fail(f Fault) { memorystoretest.AddFaultTo(s.journal, s.ops, f) }

// Reset turns off every fault and pending conflict.
func (s *Server) Reset() {
	s.journal.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts = 0
}

// SetDelay sets how long an update takes to roll out from now on.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetIAMPropagation makes grants made through SetIamPolicy
// take time to reach Cloud Run's secret checks, as IAM changes do (up to
// seven minutes): a revision that reads the secret fails with Cloud Run's
// "Permission denied on secret" until denials revision starts were
// refused, or until after has passed since the grant, whichever comes
// first. Zero for both makes grants effective at once.
func (s *Server) SetIAMPropagation(denials int, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.iam = iamLag{denials: denials, after: after}
}

// SetAppEnv sets the variable the app reads its Redis URL from, for the
// revisions started from now on (a new release of the app that reads
// another variable). With needs, an app without the variable fails to
// start, as settings reading os.environ[name] do.
func (s *Server) SetAppEnv(name string, needs bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appEnv, s.appNeeds = name, needs
}

// SetImageRoots sets the CA certificates (PEM) the app's container image
// trusts, used for a rediss:// URL without ssl_ca_certs.
func (s *Server) SetImageRoots(pem []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roots = slices.Clone(pem)
}

// ConflictNext makes the next n UpdateService calls find that someone else
// updated the service after it was read: the other write changes an
// annotation and the etag, so the update fails with Aborted.
func (s *Server) ConflictNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts += n
}

// GetsSinceUpdate returns how many GetService calls came since the last
// UpdateService, so that a test can tell a client is waiting.
func (s *Server) GetsSinceUpdate() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets
}

// concurrentWriteLocked is another tool updating the service.
func (s *Server) concurrentWriteLocked(name string) {
	e, ok := s.services[name]
	if !ok {
		return
	}
	s.writes++
	next := proto.Clone(e.svc).(*runpb.Service)
	if next.Annotations == nil {
		next.Annotations = map[string]string{}
	}
	next.Annotations["acme.dev/last-writer"] = fmt.Sprintf("deploy-job-%d", s.writes)
	next.Generation++
	next.Etag, next.UpdateTime, next.LastModifier = newEtag(), timestamppb.Now(), "deployer@acme.dev"
	e.svc = next
}

// AddService stores svc as if it had been deployed earlier, with its
// first revision ready; it fails when that revision could not start.
// Output-only and computed fields are filled in as Cloud Run would.
func (s *Server) AddService(svc *runpb.Service) (*runpb.Service, error) {
	s.mu.Lock()
	if m := serviceNamePattern.FindStringSubmatch(svc.GetName()); m == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("cloudruntest: %q is not projects/P/locations/L/services/S", svc.GetName())
	}
	stored := proto.Clone(svc).(*runpb.Service)
	fillComputed(stored)
	if err := s.validateLocked(stored); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	id := serviceID(svc.GetName())
	stored.Uid, stored.Generation, stored.Etag = newEtag(), 1, newEtag()
	stored.CreateTime, stored.UpdateTime = timestamppb.Now(), timestamppb.Now()
	stored.Creator, stored.LastModifier = "deployer@acme.dev", "deployer@acme.dev"
	stored.Uri = "https://" + id + "-" + ProjectNumber(projectOf(svc.GetName())) + ".us-central1.run.app"
	stored.Urls, stored.Reconciling = []string{stored.Uri}, true
	e := &service{svc: stored}
	s.services[svc.GetName()] = e
	r := s.queueLocked(e, true)
	s.mu.Unlock()
	s.finishNow(r)
	if f := s.rolloutFailure(r); f != "" {
		return nil, fmt.Errorf("cloudruntest: the first revision of %s failed: %s", svc.GetName(), f)
	}
	return s.Service(svc.GetName())
}

func (s *Server) rolloutFailure(r *rollout) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.failure
}

// Edit changes a service out of band, as a person with gcloud would: f
// changes a copy, which is stored with a new etag and generation, and a
// changed template is rolled out at once (the new revision may fail to
// start; the edit stays either way). Like gcloud, it drops a revision name
// the template carried over when the template changed, so that Cloud Run
// names the new revision.
func (s *Server) Edit(name string, f func(svc *runpb.Service)) error {
	s.mu.Lock()
	e, err := s.lookup(name)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	next := proto.Clone(e.svc).(*runpb.Service)
	f(next)
	if next.GetTemplate().GetRevision() == e.svc.GetTemplate().GetRevision() && !proto.Equal(configOf(next.GetTemplate()), configOf(e.svc.GetTemplate())) {
		next.Template.Revision = ""
	}
	next.Etag = e.svc.GetEtag()
	r, err := s.updateLocked(next, false, "someone@acme.dev")
	if err == nil {
		r.returned = true
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// A revision that cannot start is an outcome of the edit, not an error
	// of it: the template keeps the edit, as Cloud Run's does.
	s.finishNow(r)
	return nil
}

// Service returns a copy of the named service, as GetService would.
func (s *Server) Service(name string) (*runpb.Service, error) {
	s.stepAll()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	return proto.Clone(e.svc).(*runpb.Service), nil
}

// Revisions returns the full names of the revisions a service has made,
// oldest first.
func (s *Server) Revisions(service string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.services[service]; ok {
		return slices.Clone(e.order)
	}
	return nil
}

// Revision returns a copy of the named revision, or nil.
func (s *Server) Revision(name string) *runpb.Revision {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev, ok := s.revisions[name]; ok {
		return proto.Clone(rev).(*runpb.Revision)
	}
	return nil
}

// AddSecret creates a secret in project out of band with one enabled
// version per payload, readable by each of readers ("serviceAccount:…").
func (s *Server) AddSecret(project, id string, labels map[string]string, payloads [][]byte, readers ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := secretKey("projects/" + project + "/secrets/" + id)
	if err != nil {
		return err
	}
	if _, taken := s.secrets[key]; taken {
		return fmt.Errorf("cloudruntest: secret %s exists", key)
	}
	s.addSecretLocked(key, &secretmanagerpb.Secret{Labels: labels,
		Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}}})
	sec := s.secrets[key]
	for _, p := range payloads {
		sec.add(p)
	}
	if len(readers) > 0 {
		sec.policy.Bindings = append(sec.policy.Bindings, &iampb.Binding{Role: readerRoles[0], Members: slices.Clone(readers)})
	}
	return nil
}

// Grant lets member ("serviceAccount:…") read the versions of secret name,
// out of band.
func (s *Server) Grant(name, member string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.secretLocked(name)
	if err != nil {
		return err
	}
	if !sec.allows(member) {
		sec.policy.Bindings = append(sec.policy.Bindings, &iampb.Binding{Role: readerRoles[0], Members: []string{member}})
		sec.policy.Etag = []byte(newEtag())
	}
	return nil
}

// SecretVersion is what a test sees of one version.
type SecretVersion struct {
	Number  int
	State   secretmanagerpb.SecretVersion_State
	Payload []byte
}

// Secret returns a copy of a secret (named by project id or number), its
// versions oldest first and its IAM policy; ok is false when it does not
// exist.
func (s *Server) Secret(name string) (sec *secretmanagerpb.Secret, versions []SecretVersion, policy *iampb.Policy, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := secretKey(name)
	if err != nil {
		return nil, nil, nil, false
	}
	st, ok := s.secrets[key]
	if !ok {
		return nil, nil, nil, false
	}
	for i, v := range st.versions {
		versions = append(versions, SecretVersion{Number: i + 1, State: v.meta.GetState(), Payload: slices.Clone(v.payload)})
	}
	return proto.Clone(st.secret).(*secretmanagerpb.Secret), versions, proto.Clone(st.policy).(*iampb.Policy), true
}

// RedisURLs returns every Redis URL the fake holds, in services' plain
// variables and in secret versions, for checks that none leaks.
func (s *Server) RedisURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(v string) {
		if u, err := url.Parse(v); err == nil && (u.Scheme == "redis" || u.Scheme == "rediss") && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, rev := range s.revisions {
		for _, c := range rev.GetContainers() {
			for _, ev := range c.GetEnv() {
				add(ev.GetValue())
			}
		}
	}
	for _, sec := range s.secrets {
		for _, v := range sec.versions {
			add(string(v.payload))
		}
	}
	return out
}
