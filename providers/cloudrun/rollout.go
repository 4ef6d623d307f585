package cloudrun

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/providers/gcp"
)

// rollout puts want into the service, in one UpdateService that also
// takes the value out of its previous place (conn.Previous) and, unless
// wait is off, sees the revision it makes become ready, putting the
// template back when it does not. Once ready, secret versions older than
// those now used and those used before are disabled.
func (w *writer) rollout(ctx context.Context, want owned, vs secretVersions) error {
	ch, err := w.update(ctx, w.put(want), true)
	switch {
	case err != nil:
		return err
	case !w.s.wait:
		return w.record(nil) // nothing is waited for, so nothing stays pending
	case ch == nil:
		return nil
	}
	return w.follow(ctx, ch, vs)
}

// follow sees the revision of ch through: it waits for it, makes it again
// while a fresh secret grant may not have reached Cloud Run yet, puts the
// template back when the revision fails, and prunes secret versions once
// it is ready.
func (w *writer) follow(ctx context.Context, ch *change, vs secretVersions) error {
	for {
		w.progress(fmt.Sprintf("waiting for revision %s of service %s to become ready", shortRevision(ch.revision), w.s.service))
		_, err := w.await(ctx, ch.revision, revisionOutcome(ch.revision))
		var failed *revisionFailed
		if errors.As(err, &failed) {
			again, err := w.retryGrant(ctx, ch, failed)
			if err != nil {
				return err
			}
			if again {
				continue
			}
			return w.undo(ctx, ch, failed)
		}
		if err != nil {
			return err // interrupted or timed out: the pending record stays for the next run
		}
		if err := w.record(nil); err != nil {
			return err
		}
		return w.prune(ctx, ch.owned(w.s), vs)
	}
}

// rolloutOrSettle is rollout, except that when the service already holds
// want, its latest revision must become ready (settleLatest).
func (w *writer) rolloutOrSettle(ctx context.Context, want owned, vs secretVersions) error {
	ch, err := w.update(ctx, w.put(want), true)
	if err != nil {
		return err
	}
	if ch == nil {
		return w.settleLatest(ctx)
	}
	return w.follow(ctx, ch, vs)
}

// change is one update rediskit made to a service.
type change struct {
	before   *runpb.RevisionTemplate // the template as read before, put back exactly on failure
	sent     *runpb.RevisionTemplate // the template sent, made again after a fresh grant
	previous string                  // the revision that was ready before
	revision string                  // the revision the update makes, by full name
}

// owned is what rediskit owned in the template before ch.
func (ch *change) owned(s *settings) owned {
	c, err := container(ch.before, s)
	if err != nil {
		return owned{}
	}
	return ownedOf(ch.before, c, s)
}

// mutation changes a copy of the service's template and reports whether
// the service needed that change.
type mutation func(t *runpb.RevisionTemplate) (needed bool, err error)

// put sets want in the template, and takes the value out of the place the
// previous settings wrote it (another variable or CA volume) in the same
// change, so that the app gets one revision with the value moved.
func (w *writer) put(want owned) mutation {
	return func(t *runpb.RevisionTemplate) (bool, error) {
		c, err := container(t, w.s)
		if err != nil {
			return false, err
		}
		left := w.previousLeft(t, c)
		if want.equal(ownedOf(t, c, w.s), w.s) && !left {
			return false, nil
		}
		if left {
			dropPrevious(t, w.prev)
		}
		want.applyTo(t, c, w.s)
		return true, nil
	}
}

// update reads the service, changes its template with m and updates it
// with the etag it read, reading again when someone else updated it in
// between or the update failed transiently. With named, the revision is
// named by rediskit (newRevision) and recorded as pending before anything
// is sent. It returns nil when the service already held the change before
// rediskit sent anything.
func (w *writer) update(ctx context.Context, m mutation, named bool) (*change, error) {
	// sent is the change of an update whose answer was a transient error:
	// it may have taken effect, which only the next read tells.
	var sent *change
	rev := ""
	for attempt := 1; ; attempt++ {
		svc, err := w.api.get(ctx, w.s)
		if err != nil {
			return nil, w.notFound(err)
		}
		next := proto.Clone(svc).(*runpb.Service)
		if next.Template == nil {
			next.Template = &runpb.RevisionTemplate{}
		}
		needed, err := m(next.Template)
		if err != nil || !needed {
			return sent, err
		}
		if named && rev == "" {
			rev = newRevision(w.s)
			if err := w.recordRevision(rev, svc.GetLatestReadyRevision()); err != nil {
				return nil, err
			}
		}
		if named {
			next.Template.Revision = shortRevision(rev)
		}
		w.boundary("before UpdateService")
		err = w.api.update(ctx, next)
		w.boundary("after UpdateService")
		ch := &change{before: proto.Clone(svc.GetTemplate()).(*runpb.RevisionTemplate), sent: next.Template,
			previous: svc.GetLatestReadyRevision(), revision: rev}
		if err == nil {
			w.warnPinned(svc)
			return ch, nil
		}
		if err := w.updateFailed(ctx, err, attempt); err != nil {
			if sent == nil && named && (conflict(err) || !gcp.Transient(err)) && ctx.Err() == nil && !interrupted(err) {
				_ = w.record(nil) // refused (or never past a stale etag), so nothing is pending; the error says more than a failed save would
			}
			return nil, err
		}
		if !conflict(err) && sent == nil {
			sent = ch
		}
	}
}

// recordRevision records, before the update is sent, the revision it is
// to make and the one ready now: a run that dies at any point after this
// leaves enough for the next Write to find that revision (see resume).
func (w *writer) recordRevision(rev, previous string) error {
	return w.record(map[string]string{pendingRevision: rev, pendingPrevious: previous,
		provisionNote: "revision " + shortRevision(rev) + " of service " + w.s.service})
}

// updateFailed decides whether an update that failed with err is tried
// again (after reading the service again), and waits before a retry of a
// transient failure. It returns the error to give up with, or nil.
func (w *writer) updateFailed(ctx context.Context, err error, attempt int) error {
	attempts := w.api.retry.Attempts
	op := "update Cloud Run service " + w.s.name()
	switch {
	case conflict(err) && attempt < attempts:
		w.progress(fmt.Sprintf("service %s changed while rediskit updated it; reading it again (attempt %d of %d)", w.s.service, attempt+1, attempts))
		return nil
	case conflict(err):
		return fmt.Errorf("%w; the service kept changing under rediskit (%d attempts): let the other deploy finish and run the command again",
			apiError(ctx, op, err), attempt)
	case gcp.Transient(err) && attempt < attempts && ctx.Err() == nil:
		w.progress(fmt.Sprintf("updating service %s failed (%s); trying again (attempt %d of %d)", w.s.service, status.Code(err), attempt+1, attempts))
		if werr := w.api.retry.Wait(ctx, attempt); werr != nil {
			return apiError(ctx, op, werr)
		}
		return nil
	}
	return apiError(ctx, op, err)
}

// undo puts the service's template back exactly as it was before ch,
// after the revision of ch failed, waits for that, and reports the
// failure.
func (w *writer) undo(ctx context.Context, ch *change, failed *revisionFailed) error {
	w.progress(fmt.Sprintf("revision %s failed; putting service %s back as it was", shortRevision(failed.revision), w.s.service))
	if err := w.restore(ctx, ch.before, failed.revision); err != nil {
		return fmt.Errorf("%w; putting the service's previous template back failed too: %v; restore it by hand (gcloud run services update-traffic %s --region %s --to-revisions %s=100) and run `rediskit apply` again",
			failed, err, w.s.service, w.s.region, shortRevision(ch.previous))
	}
	if err := w.record(nil); err != nil {
		return err
	}
	return fmt.Errorf("%w; rediskit put service %s back exactly as it was before this change, so the app runs as it did just before it; fix the cause (`gcloud run revisions describe %s --region %s` and its logs) and run `rediskit apply` again",
		failed, w.s.service, shortRevision(failed.revision), w.s.region)
}

// restore sends before as the service's template and waits for it. A
// template that names its revision gets that revision back (the same name
// and configuration); one that names none gets a new one from Cloud Run.
func (w *writer) restore(ctx context.Context, before *runpb.RevisionTemplate, failed string) error {
	// Until the template is back, a stopped run leaves this intent: the
	// next Write sees the latest revision through (settleLatest).
	if err := w.record(map[string]string{pendingPrevious: "", provisionNote: "putting back the template of service " + w.s.service}); err != nil {
		return err
	}
	ch, err := w.update(ctx, func(t *runpb.RevisionTemplate) (bool, error) {
		if proto.Equal(t, before) {
			return false, nil
		}
		proto.Reset(t)
		proto.Merge(t, before)
		return true, nil
	}, false)
	if err != nil || ch == nil || !w.s.wait {
		return err
	}
	_, err = w.await(ctx, failed, restoreOutcome(failed, before.GetRevision()))
	return err
}

// prune disables secret versions that neither the service nor a rollback
// needs any more.
func (w *writer) prune(ctx context.Context, before owned, vs secretVersions) error {
	if vs.url != "" {
		if err := w.pruneVersions(ctx, w.s.secret, vs.url, refVersion(before.env, w.s.secret)); err != nil {
			return err
		}
	}
	if vs.ca != "" {
		if err := w.pruneVersions(ctx, w.s.caSecret, vs.ca, volumeVersion(before.volume)); err != nil {
			return err
		}
	}
	return nil
}

// refVersion is the version ev references of secret id, or "".
func refVersion(ev *runpb.EnvVar, id string) string {
	if ref := ev.GetValueSource().GetSecretKeyRef(); ref != nil && shortRevision(ref.GetSecret()) == id {
		return ref.GetVersion()
	}
	return ""
}

// volumeVersion is the version a CA volume mounts, or "".
func volumeVersion(v *runpb.Volume) string {
	if items := v.GetSecret().GetItems(); len(items) > 0 {
		return items[0].GetVersion()
	}
	return ""
}

// warnPinned warns when no traffic follows the latest revision: the new
// one then serves nothing until someone moves traffic to it.
func (w *writer) warnPinned(svc *runpb.Service) {
	var pinned []string
	for _, tt := range svc.GetTraffic() {
		if tt.GetType() == runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST && tt.GetPercent() > 0 {
			return
		}
		if tt.GetPercent() > 0 {
			pinned = append(pinned, fmt.Sprintf("%s %d%%", tt.GetRevision(), tt.GetPercent()))
		}
	}
	if len(pinned) == 0 {
		return
	}
	w.t.warn(fmt.Sprintf("service %s sends its traffic to named revisions (%s), so the new revision with %s gets none; move traffic to it with `gcloud run services update-traffic %s --region %s --to-latest`",
		w.s.service, strings.Join(pinned, ", "), w.s.env, w.s.service, w.s.region))
}
