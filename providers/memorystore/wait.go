package memorystore

import (
	"context"
	"fmt"
	"strings"
	"time"

	redis "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// pollPolicy paces the polling of long-running operations and of instances
// that are not READY. Polls start fast and back off to a cap of at most
// ten seconds (the client's own Wait grows to a minute), so the end of a
// create is noticed within seconds.
type pollPolicy struct {
	initial, max time.Duration
	// report is the least time between two progress messages.
	report time.Duration
	// failures is how many polls in a row may fail transiently.
	failures int
	// total bounds one wait; the operation itself goes on at Google.
	total time.Duration
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

func defaultPollPolicy() pollPolicy {
	return pollPolicy{initial: time.Second, max: 10 * time.Second, report: 10 * time.Second,
		failures: 10, total: 2 * time.Hour, sleep: provision.Sleep}
}

// operation is what waiting needs of the client's typed operations.
type operation struct {
	name string
	// poll reads the operation; once done it returns its response (nil
	// for a delete) or the error it ended with.
	poll func(ctx context.Context) (*redispb.Instance, error)
	done func() bool
	meta func() (*redispb.OperationMetadata, error)
}

func createOp(op *redis.CreateInstanceOperation) operation {
	return operation{name: op.Name(), done: op.Done, meta: op.Metadata,
		poll: func(ctx context.Context) (*redispb.Instance, error) { return op.Poll(ctx) }}
}

func updateOp(op *redis.UpdateInstanceOperation) operation {
	return operation{name: op.Name(), done: op.Done, meta: op.Metadata,
		poll: func(ctx context.Context) (*redispb.Instance, error) { return op.Poll(ctx) }}
}

func upgradeOp(op *redis.UpgradeInstanceOperation) operation {
	return operation{name: op.Name(), done: op.Done, meta: op.Metadata,
		poll: func(ctx context.Context) (*redispb.Instance, error) { return op.Poll(ctx) }}
}

func deleteOp(op *redis.DeleteInstanceOperation) operation {
	return operation{name: op.Name(), done: op.Done, meta: op.Metadata,
		poll: func(ctx context.Context) (*redispb.Instance, error) { return nil, op.Poll(ctx) }}
}

// OperationError is a long-running operation that ended in error.
type OperationError struct {
	// Operation is the operation's name.
	Operation string
	Code      codes.Code
	// Message is Google's message, verbatim.
	Message string
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("operation %s ended in error: %s: %s", e.Operation, e.Code, provision.Clip(e.Message, maxMessage))
}

// GRPCStatus lets status.Code see the operation's code.
func (e *OperationError) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// waitOperation polls op until it is done and returns its response. what
// describes it for progress ("creating instance acme-channels"). An
// operation that ended in error is an *OperationError; any other error
// leaves the operation running at Google.
func (b *Backend) waitOperation(ctx context.Context, op operation, what string, progress func(string)) (*redispb.Instance, error) {
	t := b.newTicker(progress)
	for failures := 0; ; {
		cctx, cancel := context.WithTimeout(ctx, b.retry.CallTimeout())
		inst, err := op.poll(cctx)
		cancel()
		switch {
		case op.done() && err != nil:
			st := status.Convert(err)
			return nil, &OperationError{Operation: op.name, Code: st.Code(), Message: st.Message()}
		case op.done():
			return inst, nil
		case err != nil && (interrupted(ctx, err) || !gcp.Transient(err) || failures >= b.poll.failures):
			return nil, err
		case err != nil:
			failures++
		default:
			failures = 0
		}
		t.report(func() string { return what + ": " + operationDetail(op) })
		if err := t.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

func operationDetail(op operation) string {
	detail := "running"
	if meta, err := op.meta(); err == nil && meta != nil && meta.GetStatusDetail() != "" {
		detail = meta.GetStatusDetail()
	}
	return detail + " (operation " + op.name[strings.LastIndex(op.name, "/")+1:] + ")"
}

// waitReady polls the instance until it is READY. A gone instance wraps
// provision.ErrNotFound.
func (b *Backend) waitReady(ctx context.Context, c *redis.CloudRedisClient, name string, progress func(string)) (*redispb.Instance, error) {
	t := b.newTicker(progress)
	for {
		inst, err := b.get(ctx, c, name)
		if err != nil || inst.GetState() == redispb.Instance_READY {
			return inst, err
		}
		t.report(func() string {
			return fmt.Sprintf("waiting for instance %s to be READY: it is %s", shortName(name), stateDetail(inst))
		})
		if err := t.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

func stateDetail(inst *redispb.Instance) string {
	s := inst.GetState().String()
	if m := inst.GetStatusMessage(); m != "" {
		s += " (" + provision.Clip(m, maxMessage) + ")"
	}
	return s
}

// ticker paces one wait: growing sleeps and spaced progress reports.
type ticker struct {
	b          *Backend
	progress   func(string)
	start      time.Time
	interval   time.Duration
	reported   time.Time
	everReport bool
}

func (b *Backend) newTicker(progress func(string)) *ticker {
	return &ticker{b: b, progress: progress, start: b.now(), interval: b.poll.initial}
}

func (t *ticker) report(msg func() string) {
	if t.progress == nil {
		return
	}
	now := t.b.now()
	if t.everReport && now.Sub(t.reported) < t.b.poll.report {
		return
	}
	t.progress(msg())
	t.reported, t.everReport = now, true
}

// sleep waits for the next poll, failing once the wait's total is spent.
func (t *ticker) sleep(ctx context.Context) error {
	if t.b.now().Sub(t.start) >= t.b.poll.total {
		return fmt.Errorf("still waiting after %s", t.b.poll.total)
	}
	err := t.b.poll.sleep(ctx, t.interval)
	t.interval = min(t.interval*2, t.b.poll.max)
	return err
}

// shortName is the last part of a resource name.
func shortName(name string) string { return name[strings.LastIndex(name, "/")+1:] }
