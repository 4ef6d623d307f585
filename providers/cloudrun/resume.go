package cloudrun

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/run/apiv2/runpb"
)

// resume finishes what an interrupted run left pending: it waits for the
// revision it recorded and, when that failed, puts back what the revision
// ready before it held. A revision the service neither names in its
// template nor has created was never sent, or was deployed over since:
// nothing of rediskit's is pending then.
func (w *writer) resume(ctx context.Context) error {
	rev, prev := w.conn.Pending[pendingRevision], w.conn.Pending[pendingPrevious]
	svc, err := w.api.get(ctx, w.s)
	if err != nil {
		return w.notFound(err)
	}
	if rev == "" {
		// An older record, or a template being put back: if the service
		// now holds what this Write wants, settleLatest sees its latest
		// revision through.
		return w.record(nil)
	}
	if !sameRevision(svc.GetLatestCreatedRevision(), rev) && svc.GetTemplate().GetRevision() != shortRevision(rev) {
		return w.record(nil)
	}
	w.progress(fmt.Sprintf("checking revision %s, which an earlier run left pending", shortRevision(rev)))
	return w.settle(ctx, rev, prev, revisionOutcome(rev))
}

// settleLatest checks, when the service already holds what Write wants,
// that its latest revision is ready: an earlier run may have stopped while
// it put a template back. A revision that failed is undone as a pending
// one would be.
func (w *writer) settleLatest(ctx context.Context) error {
	svc, err := w.api.get(ctx, w.s)
	if err != nil {
		return w.notFound(err)
	}
	rev, prev := svc.GetLatestCreatedRevision(), svc.GetLatestReadyRevision()
	if rev == "" || (rev == prev && !svc.GetReconciling()) {
		return nil
	}
	w.progress(fmt.Sprintf("checking revision %s of service %s, which holds %s but is not ready", shortRevision(rev), w.s.service, w.s.env))
	return w.settle(ctx, rev, prev, func(svc *runpb.Service) (bool, error) {
		if svc.GetReconciling() {
			return false, nil
		}
		return terminal(svc, svc.GetLatestCreatedRevision())
	})
}

// settle waits for revision rev and, when it failed, puts back what
// revision prev (ready before it) held of what rediskit owns: the
// template from before is gone with the run that had it.
func (w *writer) settle(ctx context.Context, rev, prev string, judge verdict) error {
	_, err := w.await(ctx, rev, judge)
	var failed *revisionFailed
	if !errors.As(err, &failed) {
		if err != nil {
			return err
		}
		return w.record(nil)
	}
	if prev == "" {
		return fmt.Errorf("%w; it was started by an earlier, interrupted run and no earlier revision is known to go back to; fix the cause and run `rediskit apply` again", failed)
	}
	m, err := w.ownedIn(ctx, prev)
	if err != nil {
		return err
	}
	w.progress(fmt.Sprintf("revision %s failed; putting back what revision %s had of %s", shortRevision(failed.revision), shortRevision(prev), w.s.env))
	ch, err := w.update(ctx, m, true)
	if err == nil && ch != nil && w.s.wait {
		_, err = w.await(ctx, ch.revision, revisionOutcome(ch.revision))
	}
	if err != nil {
		return fmt.Errorf("%w; putting back what revision %s had failed too: %v; restore it by hand (gcloud run services update-traffic %s --region %s --to-revisions %s=100) and run `rediskit apply` again",
			failed, shortRevision(prev), err, w.s.service, w.s.region, shortRevision(prev))
	}
	if err := w.record(nil); err != nil {
		return err
	}
	return fmt.Errorf("%w; rediskit put back the %s that revision %s had, so the app gets what it had before; fix the cause (`gcloud run revisions describe %s --region %s` and its logs) and run `rediskit apply` again",
		failed, w.s.env, shortRevision(prev), shortRevision(failed.revision), w.s.region)
}

// ownedIn reads what rediskit owned in revision name, under the current
// settings and the previous ones, and returns the mutation that puts it
// back.
func (w *writer) ownedIn(ctx context.Context, name string) (mutation, error) {
	r, err := w.api.revision(ctx, name)
	if err != nil {
		return nil, err
	}
	t := templateOf(r)
	type part struct {
		s *settings
		o owned
	}
	var parts []part
	for _, s := range []*settings{w.prev, w.s} {
		if s == nil {
			continue
		}
		c, err := container(t, s)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{s, ownedOf(t, c, s)})
	}
	return func(t *runpb.RevisionTemplate) (bool, error) {
		needed := false
		for _, p := range parts {
			c, err := container(t, p.s)
			if err != nil {
				return false, err
			}
			if !p.o.equal(ownedOf(t, c, p.s), p.s) {
				needed = true
				p.o.applyTo(t, c, p.s)
			}
		}
		return needed, nil
	}, nil
}
