package cloudruntest

import (
	"fmt"
	"hash/crc32"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	serviceNamePattern = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)/services/([a-z]([-a-z0-9]*[a-z0-9])?)$`)
	secretNamePattern  = regexp.MustCompile(`^projects/([^/]+)/secrets/([A-Za-z0-9_-]{1,255})$`)
	versionNamePattern = regexp.MustCompile(`^projects/([^/]+)/secrets/([A-Za-z0-9_-]{1,255})/versions/([^/]+)$`)
	secretIDPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	networkPattern     = regexp.MustCompile(`^projects/([^/]+)/global/networks/([^/]+)$`)
	subnetworkPattern  = regexp.MustCompile(`^projects/([^/]+)/regions/[^/]+/subnetworks/([^/]+)$`)
)

// ProjectNumber is the number the fake gives a project id, as Google gives
// every project one; the same id always gets the same number.
func ProjectNumber(project string) string {
	if _, err := strconv.ParseInt(project, 10, 64); err == nil {
		return project
	}
	return strconv.FormatUint(100000000000+uint64(crc32.ChecksumIEEE([]byte(project))), 10)
}

// DefaultServiceAccount is the Compute Engine default service account a
// revision runs as when its template names none.
func DefaultServiceAccount(project string) string {
	return ProjectNumber(project) + "-compute@developer.gserviceaccount.com"
}

// projectKey maps a project id or number to the key the fake stores under
// (the number), so that either form finds the same resource.
func projectKey(project string) string { return ProjectNumber(project) }

// secretKey returns the store key of a secret named by id or number,
// projects/P/secrets/S.
func secretKey(name string) (string, error) {
	m := secretNamePattern.FindStringSubmatch(name)
	if m == nil {
		return "", status.Errorf(codes.InvalidArgument, "%q is not a secret name, projects/{project}/secrets/{secret}", name)
	}
	return "projects/" + projectKey(m[1]) + "/secrets/" + m[2], nil
}

// splitVersion returns the secret key and the version ("3", "latest") of
// projects/P/secrets/S/versions/V.
func splitVersion(name string) (key, version string, err error) {
	m := versionNamePattern.FindStringSubmatch(name)
	if m == nil {
		return "", "", status.Errorf(codes.InvalidArgument, "%q is not a secret version name, projects/{project}/secrets/{secret}/versions/{version}", name)
	}
	return "projects/" + projectKey(m[1]) + "/secrets/" + m[2], m[3], nil
}

// secretRef resolves the secret of a Cloud Run secret reference ("S" in
// the service's project, or projects/P/secrets/S) to its store key.
func secretRef(project, ref string) string {
	if strings.HasPrefix(ref, "projects/") {
		if key, err := secretKey(ref); err == nil {
			return key
		}
		return ref
	}
	return "projects/" + projectKey(project) + "/secrets/" + ref
}

func versionName(key string, n int) string { return fmt.Sprintf("%s/versions/%d", key, n) }

// sameNetwork compares VPC network names given in full
// (projects/P/global/networks/N) or short (N, in project).
func sameNetwork(a, b, project string) bool {
	return fullNetwork(a, project) == fullNetwork(b, project)
}

// fullNetwork returns projects/NUMBER/global/networks/N for a network given
// in any form.
func fullNetwork(n, project string) string {
	if n == "" {
		return ""
	}
	if !strings.Contains(n, "/") {
		return "projects/" + projectKey(project) + "/global/networks/" + n
	}
	if m := networkPattern.FindStringSubmatch(n); m != nil {
		return "projects/" + projectKey(m[1]) + "/global/networks/" + m[2]
	}
	return n
}

// subnetworkNetwork is the network a subnetwork belongs to. The fake's
// convention is Google's default layout: subnetwork N is in network N.
func subnetworkNetwork(sub, project string) string {
	if m := subnetworkPattern.FindStringSubmatch(sub); m != nil {
		return fullNetwork("projects/"+m[1]+"/global/networks/"+m[2], project)
	}
	return fullNetwork(sub, project)
}
