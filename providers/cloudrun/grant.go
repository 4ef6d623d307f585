package cloudrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/provision"
)

// maxGrantPause bounds the pause between attempts at a revision that
// waits for a fresh secret grant.
const maxGrantPause = time.Minute

// retryGrant makes the revision of ch again, under a new name, when it
// failed because the runtime service account could not read a secret
// this Write granted it access to: IAM changes take up to seven minutes
// to apply (§6b row 6). It waits between attempts, doubling the pause,
// and gives up, reporting false, once the wait policy's bound has passed
// since the grant.
func (w *writer) retryGrant(ctx context.Context, ch *change, failed *revisionFailed) (bool, error) {
	if w.granted.IsZero() || !strings.Contains(failed.message, "Permission denied on secret") {
		return false, nil
	}
	p := w.t.wait
	if w.grantPause == 0 {
		w.grantPause = p.iamFirst
	}
	if time.Since(w.granted)+w.grantPause > p.iam {
		return false, nil
	}
	w.progress(fmt.Sprintf("revision %s cannot read its secret yet; access granted %s ago can take up to %s to apply, so rediskit makes the revision again in %s",
		shortRevision(failed.revision), time.Since(w.granted).Round(time.Second), p.iam, w.grantPause))
	if err := provision.Sleep(ctx, w.grantPause); err != nil {
		return false, w.stopped(failed.revision, err)
	}
	w.grantPause = min(2*w.grantPause, maxGrantPause)
	again, err := w.update(ctx, func(t *runpb.RevisionTemplate) (bool, error) {
		proto.Reset(t)
		proto.Merge(t, ch.sent)
		return true, nil
	}, true)
	if err != nil {
		return false, err
	}
	ch.revision, ch.sent = again.revision, again.sent
	return true, nil
}
