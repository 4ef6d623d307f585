package cloudrun

import (
	"context"
	"fmt"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/provision"
)

// provisionNote is the pending key whose value plans show.
const provisionNote = provision.PendingNote

// get reads the service, retrying transient errors. A missing one wraps
// provision.ErrNotFound.
func (c *clients) get(ctx context.Context, s *settings) (*runpb.Service, error) {
	var svc *runpb.Service
	err := c.retry.Do(ctx, func(ctx context.Context) (err error) {
		svc, err = c.services.GetService(ctx, &runpb.GetServiceRequest{Name: s.name()})
		return err
	})
	if isCode(err, codes.NotFound) {
		return nil, fmt.Errorf("cloud_run: service %s does not exist in project %s, region %s: %w", s.service, s.project, s.region, provision.ErrNotFound)
	}
	if err != nil {
		return nil, apiError(ctx, "read Cloud Run service "+s.name(), err)
	}
	return svc, nil
}

// update sends svc, with the etag it was read with, once: a failed update
// may still have taken effect, so only the caller, having read the service
// again, can tell whether to send it again. The operation is not waited
// for: readiness is judged from the service (see await).
func (c *clients) update(ctx context.Context, svc *runpb.Service) error {
	cctx, cancel := context.WithTimeout(ctx, c.retry.CallTimeout())
	defer cancel()
	_, err := c.services.UpdateService(cctx, &runpb.UpdateServiceRequest{Service: svc})
	return err
}

// revision reads a revision by its full name, retrying transient errors.
func (c *clients) revision(ctx context.Context, name string) (*runpb.Revision, error) {
	var r *runpb.Revision
	err := c.retry.Do(ctx, func(ctx context.Context) (err error) {
		r, err = c.revisions.GetRevision(ctx, &runpb.GetRevisionRequest{Name: name})
		return err
	})
	if err != nil {
		return nil, apiError(ctx, "read revision "+name, err)
	}
	return r, nil
}
