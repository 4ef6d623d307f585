package cloudruntest

import (
	"context"
	"slices"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Roles that let a member read a secret's versions.
var readerRoles = []string{"roles/secretmanager.secretAccessor", "roles/secretmanager.admin", "roles/owner"}

func newPolicy() *iampb.Policy { return &iampb.Policy{Version: 1, Etag: []byte(newEtag())} }

// GetIamPolicy returns a secret's IAM policy.
func (h *secretManager) GetIamPolicy(_ context.Context, req *iampb.GetIamPolicyRequest) (*iampb.Policy, error) {
	if err := h.enter("GetIamPolicy"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	sec, err := h.s.secretLocked(req.GetResource())
	if err != nil {
		return nil, err
	}
	return proto.Clone(sec.policy).(*iampb.Policy), nil
}

// SetIamPolicy replaces a secret's IAM policy when the etag sent is the
// current one (or none is sent).
func (h *secretManager) SetIamPolicy(_ context.Context, req *iampb.SetIamPolicyRequest) (*iampb.Policy, error) {
	if err := h.enter("SetIamPolicy"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	sec, err := h.s.secretLocked(req.GetResource())
	if err != nil {
		return nil, err
	}
	want := req.GetPolicy()
	if len(want.GetEtag()) > 0 && string(want.GetEtag()) != string(sec.policy.GetEtag()) {
		return nil, status.Error(codes.Aborted, "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.")
	}
	for _, b := range want.GetBindings() {
		for _, m := range b.GetMembers() {
			if !validMember(m) {
				return nil, status.Errorf(codes.InvalidArgument, "Invalid member %q in binding for %s", m, b.GetRole())
			}
		}
	}
	old := sec.policy
	sec.policy = proto.Clone(want).(*iampb.Policy)
	sec.policy.Etag = []byte(newEtag())
	sec.noteGrants(old)
	return proto.Clone(sec.policy).(*iampb.Policy), nil
}

func validMember(m string) bool {
	for _, prefix := range []string{"serviceAccount:", "user:", "group:", "domain:", "principal:", "principalSet:"} {
		if len(m) > len(prefix) && m[:len(prefix)] == prefix {
			return true
		}
	}
	return m == "allUsers" || m == "allAuthenticatedUsers"
}

// allows reports whether member may read sec's versions.
func (sec *secret) allows(member string) bool {
	for _, b := range sec.policy.GetBindings() {
		if slices.Contains(readerRoles, b.GetRole()) && slices.Contains(b.GetMembers(), member) {
			return true
		}
	}
	return false
}

// iamLag is how long a grant takes to reach the revisions' secret checks
// (§6b row 6: IAM changes usually apply within two minutes, at most
// seven): a grant is effective once that many revision starts were
// denied, or once after has passed since it, whichever comes first. The
// zero value makes grants effective at once.
type iamLag struct {
	denials int
	after   time.Duration
}

// grant is when a member was granted read access to a secret through
// SetIamPolicy, and how many revision starts it failed since.
type grant struct {
	at      time.Time
	denials int
}

// noteGrants records the members sec's policy lets read its versions now
// and old did not.
func (sec *secret) noteGrants(old *iampb.Policy) {
	was := &secret{policy: old}
	for _, b := range sec.policy.GetBindings() {
		if !slices.Contains(readerRoles, b.GetRole()) {
			continue
		}
		for _, m := range b.GetMembers() {
			if !was.allows(m) {
				if sec.grants == nil {
					sec.grants = map[string]*grant{}
				}
				sec.grants[m] = &grant{at: time.Now()}
			}
		}
	}
}

// effective reports whether member's access to sec has reached Cloud
// Run's checks; a check that finds it has not counts as a denial.
func (s *Server) effectiveLocked(sec *secret, member string) bool {
	g := sec.grants[member]
	lag := s.iam
	if g == nil || (lag.denials == 0 && lag.after == 0) {
		return true
	}
	if (lag.denials > 0 && g.denials >= lag.denials) || (lag.after > 0 && time.Since(g.at) >= lag.after) {
		return true
	}
	g.denials++
	return false
}
