package cloudrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/provision"
)

// Keys of the resume data Write records before it waits for a revision.
const (
	pendingRevision = "revision" // the revision being waited for
	pendingPrevious = "previous" // the revision that was ready before
)

// writer is one Write, Remove or resume of a target.
type writer struct {
	t    *Target
	api  *clients
	s    *settings
	conn provision.Connection
	// prev are the settings the value was written with before, on the
	// same service (conn.Previous), whose variable and CA volume the
	// update takes out; nil otherwise.
	prev *settings
	// granted is when this Write gave the runtime service account access
	// to a secret; grantPause is the pause before the next attempt at a
	// revision waiting for that grant (retryGrant).
	granted    time.Time
	grantPause time.Duration
}

func (w *writer) progress(msg string) {
	if w.conn.Progress != nil {
		w.conn.Progress(msg)
	}
}

// boundary marks a step boundary for the crash harness (provision
// boundary.go); Remove's writer has none.
func (w *writer) boundary(label string) {
	if w.conn.Boundary != nil {
		w.conn.Boundary(label)
	}
}

func (w *writer) record(pending map[string]string) error {
	if w.conn.Record == nil {
		return nil
	}
	return w.conn.Record(pending)
}

// Write sets the variable to conn.URL in the chosen container of the
// service (as a reference to a new Secret Manager version when secret is
// set), mounts conn.CACert when there is one and, for a private backend,
// makes sure of VPC egress to its network, all in one UpdateService
// whose revision rediskit names. With conn.Previous on the same service,
// the same update takes the value out of its previous variable and CA
// volume; on another service, the value is taken out there once the new
// place holds it. It changes nothing else about the service, retries
// when someone else updated it meanwhile, and waits for the new revision
// to become ready; when the revision fails, the service's template is put
// back exactly as it was and the revision's message returned. A change
// an interrupted Write left pending (conn.Pending) is finished or undone
// first.
func (t *Target) Write(ctx context.Context, attrs provision.TargetAttrs, conn provision.Connection) error {
	w, err := t.writer(ctx, attrs, conn)
	if err != nil {
		return err
	}
	elsewhere, err := w.previous()
	if err != nil {
		return err
	}
	if len(conn.Pending) > 0 {
		if err := w.resume(ctx); err != nil {
			return err
		}
	}
	svc, err := w.api.get(ctx, w.s)
	if err != nil {
		return w.notFound(err)
	}
	want, versions, err := w.desired(ctx, svc)
	if err != nil {
		return err
	}
	if len(conn.Pending) > 0 && conn.Pending[pendingRevision] == "" && w.s.wait {
		// The service may hold want from a template an interrupted run was
		// putting back, whose revision it never learnt.
		err = w.rolloutOrSettle(ctx, want, versions)
	} else {
		err = w.rollout(ctx, want, versions)
	}
	if err != nil || elsewhere == nil {
		return err
	}
	return t.Remove(ctx, elsewhere)
}

// previous reads conn.Previous: settings on the same service become
// w.prev; those of another service are returned, for Write to remove the
// value there once the new place holds it.
func (w *writer) previous() (provision.TargetAttrs, error) {
	if len(w.conn.Previous) == 0 {
		return nil, nil
	}
	p, err := settingsOf(w.conn.Previous)
	if err != nil {
		return nil, err
	}
	if p.name() != w.s.name() {
		return w.conn.Previous, nil
	}
	w.prev = p
	return nil, nil
}

func (t *Target) writer(ctx context.Context, attrs provision.TargetAttrs, conn provision.Connection) (*writer, error) {
	s, err := settingsOf(attrs)
	if err != nil {
		return nil, err
	}
	api, err := t.api(ctx)
	if err != nil {
		return nil, err
	}
	return &writer{t: t, api: api, s: s, conn: conn}, nil
}

// secretVersions are the versions a change makes the service use, so that
// older ones can be disabled once it is ready.
type secretVersions struct {
	url, ca string
}

// desired is what rediskit owns in svc once conn is written: the
// variable, the CA volume and, for a private backend, VPC access.
func (w *writer) desired(ctx context.Context, svc *runpb.Service) (owned, secretVersions, error) {
	var want owned
	var vs secretVersions
	if _, err := container(svc.GetTemplate(), w.s); err != nil {
		return want, vs, err
	}
	value := w.conn.URL
	needsAccount := w.s.secret != "" || len(w.conn.CACert) > 0
	member := ""
	if needsAccount {
		sa, err := w.runtimeAccount(ctx, svc)
		if err != nil {
			return want, vs, err
		}
		member = "serviceAccount:" + sa
	}
	if len(w.conn.CACert) > 0 {
		v, err := w.putSecret(ctx, w.s.caSecret, w.conn.CACert, member)
		if err != nil {
			return want, vs, err
		}
		vs.ca = v
		want.volume, want.mount = caVolume(w.s, v)
		value = withCA(value, caPath(w.s))
	}
	want.env = plainEnv(w.s.env, value)
	if w.s.secret != "" {
		v, err := w.putSecret(ctx, w.s.secret, []byte(value), member)
		if err != nil {
			return want, vs, err
		}
		vs.url = v
		want.env = secretEnv(w.s.env, w.s.secret, v)
	}
	want.keepVPC = !w.conn.Private
	if w.conn.Private {
		vpc, err := desiredVPC(svc.GetTemplate().GetVpcAccess(), w.s, w.conn.Network)
		if err != nil {
			return want, vs, err
		}
		want.vpc = vpc
	}
	return want, vs, nil
}

// runtimeAccount is the service account the service's revisions run as:
// the template's, or the one Cloud Run filled in on the serving revision
// (the Compute Engine default account when the template names none).
func (w *writer) runtimeAccount(ctx context.Context, svc *runpb.Service) (string, error) {
	if sa := svc.GetTemplate().GetServiceAccount(); sa != "" {
		return sa, nil
	}
	if rev := svc.GetLatestReadyRevision(); rev != "" {
		r, err := w.api.revision(ctx, rev)
		if err != nil {
			return "", err
		}
		if sa := r.GetServiceAccount(); sa != "" {
			return sa, nil
		}
	}
	return "", fmt.Errorf("cannot tell which service account service %s runs as, which must be allowed to read the secret; give it a dedicated runtime service account (gcloud run services update %s --region %s --service-account NAME@%s.iam.gserviceaccount.com) and run the command again",
		w.s.service, w.s.service, w.s.region, w.s.project)
}

// notFound explains a service that does not exist.
func (w *writer) notFound(err error) error {
	if errors.Is(err, provision.ErrNotFound) {
		return fmt.Errorf("%w; rediskit sets a variable on an existing service and does not deploy one: deploy it first or fix the target block", err)
	}
	return err
}
