package cloudrun

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/provision"
)

// CheckPlacement is called at plan time, before anything changes: the
// service must exist, the container to write must be clear, and a private
// backend must be reachable, through the service's own VPC egress or the
// Direct VPC egress a vpc block asks for. Problems the stack must fix are
// *hcl.Diagnostic errors, shown against the target block.
func (t *Target) CheckPlacement(ctx context.Context, attrs provision.TargetAttrs, p provision.Placement) error {
	s, err := settingsOf(attrs)
	if err != nil {
		return err
	}
	api, err := t.api(ctx)
	if err != nil {
		return err
	}
	svc, err := api.get(ctx, s)
	if errors.Is(err, provision.ErrNotFound) {
		return (&configError{summary: "Cloud Run service not found",
			detail: fmt.Sprintf("There is no service %q in project %s, region %s. rediskit sets a variable on an existing service and does not deploy one: deploy it first (gcloud run deploy %s --region %s), or fix service, project and region.",
				s.service, s.project, s.region, s.service, s.region)}).diagnostic()
	}
	if err != nil {
		return err
	}
	if _, err := container(svc.GetTemplate(), s); err != nil {
		return asDiagnostic(err)
	}
	if !p.Private {
		return nil
	}
	if _, err := desiredVPC(svc.GetTemplate().GetVpcAccess(), s, p.Network); err != nil {
		return asDiagnostic(err)
	}
	return nil
}

func asDiagnostic(err error) error {
	if ce, ok := err.(*configError); ok {
		return ce.diagnostic()
	}
	return err
}

// desiredVPC returns the VPC access a service needs to reach a backend on
// network: what a vpc block asks for, or else what the service has when
// it gets there. Without either it explains what to add.
func desiredVPC(have *runpb.VpcAccess, s *settings, network string) (*runpb.VpcAccess, error) {
	if s.vpc != nil {
		if s.vpc.network != "" && network != "" && s.fullNetwork(s.vpc.network) != network {
			return nil, &configError{summary: "VPC network differs from the Redis's",
				detail: fmt.Sprintf("The vpc block names network %q, but the Redis is on %s and reachable only from there. Set network = %q.",
					s.vpc.network, network, s.shortNetwork(network))}
		}
		return directEgress(have, s, network), nil
	}
	switch ni := have.GetNetworkInterfaces(); {
	case have.GetConnector() != "":
		return have, nil // a Serverless VPC Access connector; its network cannot be read from here
	case len(ni) > 0 && (ni[0].GetNetwork() == "" || network == "" || s.fullNetwork(ni[0].GetNetwork()) == network):
		return have, nil
	case len(ni) > 0:
		return nil, &configError{summary: "Service egress goes to another VPC network",
			detail: fmt.Sprintf("Service %s sends its VPC egress to %s, but the Redis is on %s and reachable only from there. Add this block to the target so that rediskit points the service's Direct VPC egress there:\n\n%s",
				s.service, ni[0].GetNetwork(), network, vpcBlock(s, network))}
	}
	return nil, &configError{summary: "Service cannot reach a private Redis",
		detail: fmt.Sprintf("The Redis this target points at has only a private address, on network %s, and Cloud Run service %s has no VPC egress (neither Direct VPC egress nor a Serverless VPC Access connector), so the app could not connect to it. Add this block to the target and rediskit sets Direct VPC egress on the service:\n\n%s\n\nor give the service VPC egress yourself (gcloud run services update %s --region %s --network %s --subnet %s --vpc-egress private-ranges-only) and plan again.",
			network, s.service, vpcBlock(s, network), s.service, s.region, s.shortNetwork(network), s.shortNetwork(network))}
}

// directEgress is Direct VPC egress into the vpc block's network (or the
// backend's), keeping the network tags the service had.
func directEgress(have *runpb.VpcAccess, s *settings, network string) *runpb.VpcAccess {
	n := s.fullNetwork(s.vpc.network)
	if n == "" {
		n = network
	}
	ni := &runpb.VpcAccess_NetworkInterface{Network: n, Subnetwork: s.fullSubnetwork(s.vpc.subnetwork)}
	if old := have.GetNetworkInterfaces(); len(old) > 0 {
		ni.Tags = old[0].GetTags()
	}
	egress := runpb.VpcAccess_PRIVATE_RANGES_ONLY
	if s.vpc.egress == EgressAll {
		egress = runpb.VpcAccess_ALL_TRAFFIC
	}
	return &runpb.VpcAccess{Egress: egress, NetworkInterfaces: []*runpb.VpcAccess_NetworkInterface{ni}}
}

// vpcBlock shows the vpc block to add for network.
func vpcBlock(s *settings, network string) string {
	n := s.shortNetwork(network)
	return fmt.Sprintf("  vpc {\n    network    = %q\n    subnetwork = %q # a /26 or larger subnet in %s\n    egress     = %q\n  }",
		n, n, s.region, EgressPrivate)
}
