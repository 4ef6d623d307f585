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
}

// defaultWaitPolicy polls quickly at first, since most revisions are ready
// within seconds, and gives up after ten minutes, well past the four
// minutes Cloud Run gives a container to start.
func defaultWaitPolicy() waitPolicy {
	return waitPolicy{first: time.Second, max: 10 * time.Second, timeout: 10 * time.Minute, progress: 10 * time.Second}
}

// revisionFailed is a revision that could not become ready.
type revisionFailed struct {
	revision, message string
}

func (e *revisionFailed) Error() string {
	return fmt.Sprintf("revision %s did not become ready: %s", shortRevision(e.revision), e.message)
}

// await polls the service until it is no longer reconciling, then
// reports whether rev (its latest created revision) is the ready one. It
// returns a *revisionFailed when Cloud Run gave up on rev, and stops early
// when the user asks to (conn.Stop), since rev is recorded as pending.
func (w *writer) await(ctx context.Context, rev string) (*runpb.Service, error) {
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
		if !svc.GetReconciling() && svc.GetObservedGeneration() >= svc.GetGeneration() {
			return svc, outcome(svc, rev)
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

// outcome judges a service that is done reconciling: rev must be the
// latest created and the latest ready revision, and the service Ready.
func outcome(svc *runpb.Service, rev string) error {
	cond := svc.GetTerminalCondition()
	if cond.GetState() == runpb.Condition_CONDITION_SUCCEEDED && svc.GetLatestReadyRevision() == svc.GetLatestCreatedRevision() &&
		(rev == "" || svc.GetLatestReadyRevision() == rev) {
		return nil
	}
	msg := cond.GetMessage()
	if msg == "" {
		msg = fmt.Sprintf("the service reports %s and serves %s", conditionText(cond), shortRevision(svc.GetLatestReadyRevision()))
	}
	if rev == "" {
		rev = svc.GetLatestCreatedRevision()
	}
	return &revisionFailed{revision: rev, message: msg}
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
