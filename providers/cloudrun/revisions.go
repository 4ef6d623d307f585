package cloudrun

import (
	"crypto/rand"
	"strings"
)

// Cloud Run takes a revision name (template.revision) that starts with the
// service's name and a hyphen and is a DNS label: at most 63 lowercase
// letters, digits and hyphens, starting with a letter. rediskit's are
// SERVICE-rk-XXXXXX, which fits: a service name has at most 49
// characters.
const (
	revisionInfix  = "-rk-"
	revisionSuffix = 6
	maxRevisionID  = 63
)

// newRevision returns the full name of a fresh revision of s's service,
// for rediskit to name the revision its update makes and watch exactly
// that one: revision creation is asynchronous, so the service's
// latest_created_revision right after an update may still name the
// previous one (gcp-apis.md §6b row 4).
func newRevision(s *settings) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, revisionSuffix)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	id := s.service + revisionInfix + string(b)
	if len(id) > maxRevisionID { // cannot happen with a valid service name; keep within the rule anyway
		id = id[:maxRevisionID]
	}
	return s.name() + "/revisions/" + id
}

// shortRevision is a revision's id, the last part of its name.
func shortRevision(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// sameRevision compares revision names given in full
// (projects/P/locations/L/services/S/revisions/R, as
// latest_created_revision is) or short (R, as template.revision and
// traffic are) by their last part (§6b row 1).
func sameRevision(a, b string) bool {
	return a != "" && b != "" && shortRevision(a) == shortRevision(b)
}

// serviceOfRevision is S of a revision's full name, or "".
func serviceOfRevision(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) >= 6 && parts[4] == "services" {
		return parts[5]
	}
	return ""
}
