package cloudruntest

import (
	"fmt"
	"path"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
)

// app is what one revision's app container sees when it starts: its
// environment, the files of its secret volumes, and the network around it.
type app struct {
	project string
	env     map[string]string
	files   map[string][]byte
	vpc     *runpb.VpcAccess
	needs   bool // the app fails without its Redis variable
}

// launch starts rev's containers as Cloud Run would and returns why they
// could not start, or "" when they did.
func (s *Server) launch(rev string) string {
	s.mu.Lock()
	a, failure := s.prepareLocked(s.revisions[rev])
	roots, network, appEnv := s.roots, s.network, s.appEnv
	s.mu.Unlock()
	if failure != "" {
		return failure
	}
	return a.start(appEnv, roots, network)
}

// prepareLocked resolves every container's environment and secret volumes
// as the revision's service account, which is what Cloud Run does before
// any container starts, and returns the app container's view.
func (s *Server) prepareLocked(rev *runpb.Revision) (*app, string) {
	if rev == nil {
		return nil, "the revision is gone"
	}
	project := projectOf(rev.GetName())
	var out *app
	for i, c := range rev.GetContainers() {
		a := &app{project: project, env: map[string]string{}, files: map[string][]byte{}, vpc: rev.GetVpcAccess(), needs: s.appNeeds}
		for j, ev := range c.GetEnv() {
			field := fmt.Sprintf("spec.template.spec.containers[%d].env[%d]", i, j)
			value, failure := s.envValueLocked(project, rev.GetServiceAccount(), field, ev)
			if failure != "" {
				return nil, failure
			}
			a.env[ev.GetName()] = value
		}
		if failure := s.mountLocked(a, project, rev, c); failure != "" {
			return nil, failure
		}
		if _, reads := a.env[s.appEnv]; out == nil && (reads || len(c.GetPorts()) > 0) {
			out = a
		}
	}
	return out, ""
}

func (s *Server) envValueLocked(project, sa, field string, ev *runpb.EnvVar) (string, string) {
	ref := ev.GetValueSource().GetSecretKeyRef()
	if ref == nil {
		return ev.GetValue(), ""
	}
	payload, failure := s.accessAsLocked(project, sa, ref.GetSecret(), ref.GetVersion(), field+".value_from.secret_key_ref.name")
	return string(payload), failure
}

// mountLocked puts the files of c's secret volumes into a.files by their
// path in the container.
func (s *Server) mountLocked(a *app, project string, rev *runpb.Revision, c *runpb.Container) string {
	for _, m := range c.GetVolumeMounts() {
		for vi, v := range rev.GetVolumes() {
			src := v.GetSecret()
			if v.GetName() != m.GetName() || src == nil {
				continue
			}
			items := src.GetItems()
			if len(items) == 0 {
				items = []*runpb.VersionToPath{{Path: path.Base(src.GetSecret()), Version: "latest"}}
			}
			for ii, it := range items {
				field := fmt.Sprintf("spec.template.spec.volumes[%d].secret.items[%d]", vi, ii)
				payload, failure := s.accessAsLocked(project, rev.GetServiceAccount(), src.GetSecret(), it.GetVersion(), field)
				if failure != "" {
					return failure
				}
				a.files[path.Join(m.GetMountPath(), it.GetPath())] = payload
			}
		}
	}
	return ""
}

// accessAsLocked reads a secret version as the service account sa would,
// returning Cloud Run's message when it may not.
func (s *Server) accessAsLocked(project, sa, ref, ver, field string) ([]byte, string) {
	key := secretRef(project, ref)
	sec, ok := s.secrets[key]
	if !ok {
		return nil, fmt.Sprintf("%s: Secret %s/versions/%s was not found", field, key, ver)
	}
	if member := "serviceAccount:" + sa; !sec.allows(member) || !s.effectiveLocked(sec, member) {
		return nil, fmt.Sprintf("%s: Permission denied on secret: %s/versions/%s for Revision service account %s. The service account used must be granted the 'Secret Manager Secret Accessor' role (roles/secretmanager.secretAccessor) at the secret, project or higher level.", field, key, ver, sa)
	}
	v, err := sec.version(ver)
	if err != nil {
		return nil, fmt.Sprintf("%s: Secret version %s/versions/%s was not found", field, key, ver)
	}
	if v.meta.GetState() != secretmanagerpb.SecretVersion_ENABLED {
		return nil, fmt.Sprintf("%s: Secret version %s is in %s state", field, v.meta.GetName(), v.meta.GetState())
	}
	return v.payload, ""
}

// reaches reports whether the revision's VPC egress gets into network.
func (a *app) reaches(network string) bool {
	if a.vpc.GetConnector() != "" {
		return true // a Serverless VPC Access connector; the fake trusts its network
	}
	for _, ni := range a.vpc.GetNetworkInterfaces() {
		n := ni.GetNetwork()
		if n == "" {
			n = subnetworkNetwork(ni.GetSubnetwork(), a.project)
		}
		if sameNetwork(n, network, a.project) {
			return true
		}
	}
	return false
}

// allTraffic reports whether all egress goes into the VPC, where the
// fake's networks have no Cloud NAT to reach public addresses.
func (a *app) allTraffic() bool {
	return a.vpc.GetEgress() == runpb.VpcAccess_ALL_TRAFFIC
}

// containerFailure is Cloud Run's message for an app that did not come up,
// followed by what the app logged.
func containerFailure(log string) string {
	return "The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout. Logs for this revision might contain more information: " + strings.TrimSpace(log)
}

// StartApp starts a new instance of service's latest created revision, as
// Cloud Run does when it scales up, and returns the Redis URL its app read
// ("" when unset) and why it could not start ("" when it did). It tells
// whether the app works now, not only when the revision was made.
func (s *Server) StartApp(service string) (redisURL, failure string, err error) {
	s.stepAll()
	s.mu.Lock()
	e, err := s.lookup(service)
	if err != nil {
		s.mu.Unlock()
		return "", "", err
	}
	a, failure := s.prepareLocked(s.revisions[e.svc.GetLatestCreatedRevision()])
	roots, network, appEnv := s.roots, s.network, s.appEnv
	s.mu.Unlock()
	if failure != "" {
		return "", failure, nil
	}
	if a != nil {
		redisURL = a.env[appEnv]
	}
	return redisURL, a.start(appEnv, roots, network), nil
}
