package cloudrun

import (
	"fmt"
	"strings"

	"github.com/rediskit/rediskit/provision"
)

// settings are a target's attributes, checked.
type settings struct {
	project, region, service string
	container, env           string
	secret, caSecret         string
	vpc                      *vpcSettings // nil without a vpc block
	wait                     bool
}

// vpcSettings are a vpc block's.
type vpcSettings struct {
	network, subnetwork, egress string
}

// settingsOf checks attrs, which come from Decode or from state.
func settingsOf(attrs provision.TargetAttrs) (*settings, error) {
	s := &settings{project: attrs[AttrProject], region: attrs[AttrRegion], service: attrs[AttrService],
		container: attrs[AttrContainer], env: attrs[AttrEnv], secret: attrs[AttrSecret], caSecret: attrs[AttrCASecret],
		wait: attrs[AttrWait] != "false"}
	if s.project == "" || s.region == "" || s.service == "" || s.env == "" || s.caSecret == "" {
		return nil, fmt.Errorf("cloud_run target: incomplete settings (project %q, region %q, service %q, env %q); run `rediskit validate` and check the target block",
			s.project, s.region, s.service, s.env)
	}
	if attrs[AttrVPC] == "true" {
		s.vpc = &vpcSettings{network: attrs[AttrNetwork], subnetwork: attrs[AttrSubnet], egress: attrs[AttrEgress]}
	}
	return s, nil
}

// name is the service's resource name.
func (s *settings) name() string {
	return "projects/" + s.project + "/locations/" + s.region + "/services/" + s.service
}

// secretName is the resource name of secret id in the service's project.
func (s *settings) secretName(id string) string { return "projects/" + s.project + "/secrets/" + id }

// secretOf resolves a Cloud Run secret reference ("S" in the service's
// project, or projects/P/secrets/S) to a resource name.
func (s *settings) secretOf(ref string) string {
	if strings.HasPrefix(ref, "projects/") {
		return ref
	}
	return s.secretName(ref)
}

// fullNetwork turns a network name into projects/P/global/networks/N.
func (s *settings) fullNetwork(n string) string {
	if n == "" || strings.Contains(n, "/") {
		return n
	}
	return "projects/" + s.project + "/global/networks/" + n
}

// fullSubnetwork turns a subnetwork name into
// projects/P/regions/R/subnetworks/S.
func (s *settings) fullSubnetwork(n string) string {
	if n == "" || strings.Contains(n, "/") {
		return n
	}
	return "projects/" + s.project + "/regions/" + s.region + "/subnetworks/" + n
}

// shortNetwork is a network's name for messages: the last part when it is
// in the service's project, the full name otherwise.
func (s *settings) shortNetwork(full string) string {
	prefix := "projects/" + s.project + "/global/networks/"
	if strings.HasPrefix(full, prefix) {
		return strings.TrimPrefix(full, prefix)
	}
	return full
}
