package cloudrun

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/rediskit/rediskit/provision"
)

// waitPolicy says how a revision is waited for.
type waitPolicy struct {
	first, max time.Duration // poll interval: first, growing by half up to max
	timeout    time.Duration // how long a revision may take to become ready
	progress   time.Duration // how often progress is reported
	// iam bounds how long after rediskit granted the runtime service
	// account access to a secret a revision refused for lack of that
	// access is made again: IAM changes usually apply within two minutes
	// and at most seven. iamFirst is the first pause before that, doubling
	// up to a minute.
	iam, iamFirst time.Duration
}

// defaultWaitPolicy polls quickly at first, since most revisions are ready
// within seconds, and gives up after ten minutes, well past the four
// minutes Cloud Run gives a container to start. A fresh grant is waited
// for as long as IAM documents it may take, seven minutes.
func defaultWaitPolicy() waitPolicy {
	return waitPolicy{first: time.Second, max: 10 * time.Second, timeout: 10 * time.Minute, progress: 10 * time.Second,
		iam: 7 * time.Minute, iamFirst: 10 * time.Second}
}

// revisionFailed is a revision that could not become ready.
type revisionFailed struct {
	revision, message string
}

func (e *revisionFailed) Error() string {
	return fmt.Sprintf("revision %s did not become ready: %s", shortRevision(e.revision), e.message)
}

// verdict judges a service read while waiting: done is false while the
// rollout goes on; err is the outcome once done.
type verdict func(svc *runpb.Service) (done bool, err error)

// await polls the service until judge says the rollout of revision rev
// (named in messages) is over. It stops early when the user asks to
// (conn.Stop), since the change waited for is recorded as pending.
func (w *writer) await(ctx context.Context, rev string, judge verdict) (*runpb.Service, error) {
	p := w.t.wait
	start := time.Now()
	lastReport := start
	interval := p.first
	for {
		svc, err := w.api.get(ctx, w.s)
		if ctx.Err() != nil {
			return nil, w.stopped(rev, ctx.Err())
		}
		if err != nil {
			return nil, err
		}
		if done, err := judge(svc); done {
			return svc, err
		}
		if w.conn.Stop != nil && w.conn.Stop() {
			return nil, w.stopped(rev, provision.ErrInterrupted)
		}
		if time.Since(start) > p.timeout {
			return nil, fmt.Errorf("revision %s of service %s was not ready after %s; it may still become ready: see `gcloud run revisions describe %s --region %s`, then run `rediskit apply` again, which checks it",
				shortRevision(rev), w.s.service, p.timeout, shortRevision(rev), w.s.region)
		}
		if time.Since(lastReport) >= p.progress {
			lastReport = time.Now()
			w.progress(fmt.Sprintf("waiting for revision %s to become ready (%s)", shortRevision(rev), conditionText(svc.GetTerminalCondition())))
		}
		if err := provision.Sleep(ctx, interval); err != nil {
			return nil, w.stopped(rev, err)
		}
		interval = min(interval+interval/2, p.max)
	}
}

// stopped explains a wait cut short by the run being stopped.
func (w *writer) stopped(rev string, err error) error {
	return fmt.Errorf("stopped waiting for revision %s of service %s, which the state records; the next `rediskit apply` checks it: %w",
		shortRevision(rev), w.s.service, err)
}

// revisionOutcome judges the rollout of revision rev, which rediskit
// named, the way Cloud Run documents it (gcp-apis.md §3.3, §6b row 3):
// nothing is decided while the service is reconciling; once it is not,
// terminal_condition says whether rev, the latest created revision, is
// ready or failed. observed_generation is not looked at: on failure it
// stays at the last serving revision's. While the template still names
// rev and Cloud Run has not created it yet (§6b row 4), the wait goes on.
func revisionOutcome(rev string) verdict {
	return func(svc *runpb.Service) (bool, error) {
		if svc.GetReconciling() {
			return false, nil
		}
		if !sameRevision(svc.GetLatestCreatedRevision(), rev) {
			if svc.GetTemplate().GetRevision() == shortRevision(rev) {
				return false, nil
			}
			return true, fmt.Errorf("service %s was deployed by someone else while rediskit waited for its revision %s (its latest revision is %s); check the service and run `rediskit apply` again",
				serviceOfRevision(rev), shortRevision(rev), shortRevision(svc.GetLatestCreatedRevision()))
		}
		return terminal(svc, rev)
	}
}

// restoreOutcome judges the rollout of a template put back after revision
// failed: name is the revision the template names ("" when Cloud Run
// names it), which must end up ready.
func restoreOutcome(failed, name string) verdict {
	return func(svc *runpb.Service) (bool, error) {
		if svc.GetReconciling() {
			return false, nil
		}
		created := svc.GetLatestCreatedRevision()
		if (name != "" && !sameRevision(created, name)) || (name == "" && sameRevision(created, failed)) {
			return false, nil // not created yet
		}
		return terminal(svc, created)
	}
}

// terminal reads the outcome of a service done reconciling whose latest
// created revision is rev.
func terminal(svc *runpb.Service, rev string) (bool, error) {
	cond := svc.GetTerminalCondition()
	switch cond.GetState() {
	case runpb.Condition_CONDITION_SUCCEEDED:
		if sameRevision(svc.GetLatestReadyRevision(), rev) {
			return true, nil
		}
	case runpb.Condition_CONDITION_FAILED:
	default:
		return false, nil // no verdict yet
	}
	msg := cond.GetMessage()
	if msg == "" {
		msg = fmt.Sprintf("the service reports %s and serves %s", conditionText(cond), shortRevision(svc.GetLatestReadyRevision()))
	}
	return true, &revisionFailed{revision: rev, message: msg}
}

func conditionText(c *runpb.Condition) string {
	if c == nil {
		return "no status yet"
	}
	if c.GetMessage() != "" {
		return c.GetMessage()
	}
	return c.GetState().String()
}
