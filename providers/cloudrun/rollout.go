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

// rollout puts want into the service and, unless wait is off, sees the
// revision it makes become ready, undoing the change when it does not.
// Once ready, secret versions older than those now used and those used
// before are disabled.
func (w *writer) rollout(ctx context.Context, want owned, vs secretVersions) error {
	ch, err := w.update(ctx, want)
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

// follow sees the revision of ch through: it waits for it, undoes ch when
// the revision fails, and prunes secret versions once it is ready.
func (w *writer) follow(ctx context.Context, ch *change, vs secretVersions) error {
	err := w.watch(ctx, ch)
	var failed *revisionFailed
	if errors.As(err, &failed) {
		return w.undo(ctx, ch, failed)
	}
	if err != nil {
		return err // interrupted or timed out: the pending record stays for the next run
	}
	if err := w.record(nil); err != nil {
		return err
	}
	return w.prune(ctx, ch.before, vs)
}

// rolloutOrSettle is rollout, except that when the service already holds
// want, its latest revision must become ready (settleLatest).
func (w *writer) rolloutOrSettle(ctx context.Context, want owned, vs secretVersions) error {
	ch, err := w.update(ctx, want)
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
	before   owned  // what rediskit owned before, for undoing it
	previous string // the revision that was ready before
	revision string // the revision the update made
}

// update reads the service, puts want into it and updates it with the
// etag it read, reading again when someone else updated it in between or
// the update failed transiently. It returns nil when the service already
// held want before rediskit sent anything.
func (w *writer) update(ctx context.Context, want owned) (*change, error) {
	// sent is the change of an update whose answer was a transient error:
	// it may have taken effect, which only the next read tells.
	var sent *change
	for attempt := 1; ; attempt++ {
		svc, err := w.api.get(ctx, w.s)
		if err != nil {
			return nil, w.notFound(err)
		}
		c, err := container(svc.GetTemplate(), w.s)
		if err != nil {
			return nil, err
		}
		before := ownedOf(svc.GetTemplate(), c, w.s)
		if want.equal(before) {
			return sent, nil
		}
		next := proto.Clone(svc).(*runpb.Service)
		nc, _ := container(next.GetTemplate(), w.s)
		want.applyTo(next.GetTemplate(), nc, w.s)
		// A named revision cannot be reused for a new template.
		next.Template.Revision = ""
		if attempt == 1 {
			if err := w.recordIntent(svc); err != nil {
				return nil, err
			}
		}
		w.boundary("before UpdateService")
		err = w.api.update(ctx, next)
		w.boundary("after UpdateService")
		if err == nil {
			w.warnPinned(svc)
			return &change{before: before, previous: svc.GetLatestReadyRevision()}, nil
		}
		if err := w.updateFailed(ctx, err, attempt); err != nil {
			if sent == nil && !gcp.Transient(err) {
				_ = w.record(nil) // refused, so nothing is pending; the error says more than a failed save would
			}
			return nil, err
		}
		if !conflict(err) && sent == nil {
			sent = &change{before: before, previous: svc.GetLatestReadyRevision()}
		}
	}
}

// recordIntent records, before an update is sent, the revision ready now:
// a run that dies before it learns the revision its update made leaves
// this behind, and the next Write checks the service's latest revision
// (see resume) instead of finding the variable set and calling it done.
func (w *writer) recordIntent(svc *runpb.Service) error {
	return w.record(map[string]string{pendingPrevious: svc.GetLatestReadyRevision(),
		provisionNote: "an update of service " + w.s.service})
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

// watch learns the revision an update made, records it as pending and
// waits for it.
func (w *writer) watch(ctx context.Context, ch *change) error {
	svc, err := w.api.get(ctx, w.s)
	if err != nil {
		return err
	}
	ch.revision = svc.GetLatestCreatedRevision()
	if err := w.record(map[string]string{pendingRevision: ch.revision, pendingPrevious: ch.previous,
		provisionNote: "revision " + shortRevision(ch.revision) + " of service " + w.s.service}); err != nil {
		return err
	}
	w.progress(fmt.Sprintf("waiting for revision %s of service %s to become ready", shortRevision(ch.revision), w.s.service))
	_, err = w.await(ctx, ch.revision)
	return err
}

// undo puts back what rediskit owned before a change whose revision
// failed, waits for that, and reports the failure.
func (w *writer) undo(ctx context.Context, ch *change, failed *revisionFailed) error {
	w.progress(fmt.Sprintf("revision %s failed; putting back the previous %s", shortRevision(failed.revision), w.s.env))
	back := ch.before
	back.keepVPC = false
	restored, err := w.update(ctx, back)
	if err == nil && restored != nil && w.s.wait {
		err = w.watch(ctx, restored)
	}
	if err != nil {
		return fmt.Errorf("%w; putting back the previous %s failed too: %v; restore it by hand (gcloud run services update-traffic %s --region %s --to-revisions %s=100) and run `rediskit apply` again",
			failed, w.s.env, err, w.s.service, w.s.region, shortRevision(ch.previous))
	}
	if err := w.record(nil); err != nil {
		return err
	}
	return fmt.Errorf("%w; rediskit put the service's previous %s back, so nothing changed for the app; fix the cause (`gcloud run revisions describe %s --region %s` and its logs) and run `rediskit apply` again",
		failed, w.s.env, shortRevision(failed.revision), w.s.region)
}

// resume finishes what an interrupted run left pending: it waits for the
// revision it recorded and, when that failed, puts back what the revision
// ready before it held.
func (w *writer) resume(ctx context.Context) error {
	rev, prev := w.conn.Pending[pendingRevision], w.conn.Pending[pendingPrevious]
	svc, err := w.api.get(ctx, w.s)
	if err != nil {
		return w.notFound(err)
	}
	if rev == "" {
		// The run died around its update, before it learnt the revision:
		// if the service now holds what this Write wants, settleLatest
		// sees its latest revision through.
		return w.record(nil)
	}
	if svc.GetLatestCreatedRevision() != rev {
		return w.record(nil) // deployed over since: nothing of ours is pending any more
	}
	w.progress(fmt.Sprintf("checking revision %s, which an earlier run left pending", shortRevision(rev)))
	return w.settle(ctx, rev, prev)
}

// settleLatest checks, when the service already holds what Write wants,
// that its latest revision is ready: an earlier run may have updated the
// service and died before it learnt the revision (see recordIntent). A
// revision that failed is undone as a pending one would be.
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
	return w.settle(ctx, rev, prev)
}

// settle waits for revision rev and, when it failed, puts back what
// revision prev (ready before it) held.
func (w *writer) settle(ctx context.Context, rev, prev string) error {
	_, err := w.await(ctx, rev)
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
	before, err := w.ownedIn(ctx, prev)
	if err != nil {
		return err
	}
	return w.undo(ctx, &change{before: before, previous: prev, revision: rev}, failed)
}

// ownedIn reads what rediskit owned in revision name.
func (w *writer) ownedIn(ctx context.Context, name string) (owned, error) {
	r, err := w.api.revision(ctx, name)
	if err != nil {
		return owned{}, err
	}
	t := templateOf(r)
	c, err := container(t, w.s)
	if err != nil {
		return owned{}, err
	}
	return ownedOf(t, c, w.s), nil
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
