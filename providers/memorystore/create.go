package memorystore

import (
	"context"
	"errors"
	"fmt"

	redis "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/status"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// Create makes the instance described by req.Spec and returns it once it
// is READY. It never starts a second create for one redis block:
//
//   - Before CreateInstance it records an intent (instance name, start
//     time) through req.Record, and the operation's name as soon as
//     Memorystore returns it, before waiting.
//   - Given that record back in req.Pending after a crash or Ctrl-C, it
//     re-attaches to the operation by name; when the operation is gone or
//     was never recorded, it adopts the instance if the intent covers it
//     (created since the intent's start).
//   - AlreadyExists on a first attempt means someone else's instance: it
//     is never adopted, and the error says how to import it.
func (b *Backend) Create(ctx context.Context, req provision.CreateRequest) (*provision.Instance, error) {
	spec, ok := req.Spec.(*Spec)
	if !ok || spec == nil {
		return nil, fmt.Errorf("memorystore: Create got a %T spec; this is a bug in rediskit, please report it", req.Spec)
	}
	c, err := b.api(ctx)
	if err != nil {
		return nil, err
	}
	var inst *redispb.Instance
	if in := parseIntent(req.Pending); in != nil && in.instance == spec.Name() {
		if inst, err = b.resume(ctx, c, in, req); err != nil {
			return nil, err
		}
	} else if in != nil {
		b.warn(fmt.Sprintf("an earlier create of %s was interrupted and the stack now names %s; if Memorystore made the earlier instance, this stack does not manage it: check `gcloud redis instances list` and delete it or import it", in.instance, spec.Name()))
	}
	if inst == nil {
		in := b.newIntent(spec.Name())
		if err := in.record(req); err != nil {
			return nil, err
		}
		if inst, err = b.create(ctx, c, spec, in, req); err != nil {
			return nil, err
		}
	}
	if inst.GetState() != redispb.Instance_READY {
		if inst, err = b.waitReady(ctx, c, inst.GetName(), req.Progress); err != nil {
			return nil, b.waitError("waiting for instance "+spec.Name(), ctx, err)
		}
	}
	return b.instance(ctx, c, inst, sentBySpec(spec))
}

// resume finds what an interrupted create left: the recorded operation,
// else the instance the intent covers. It returns nil, nil when there is
// nothing, so that the create starts again.
func (b *Backend) resume(ctx context.Context, c *redis.CloudRedisClient, in *intent, req provision.CreateRequest) (*redispb.Instance, error) {
	if in.operation != "" {
		report(req.Progress, "re-attaching to operation "+in.operation)
		inst, err := b.waitCreate(ctx, c.CreateInstanceOperation(in.operation), in, req)
		if !isCode(err, codeNotFound) {
			return inst, err
		}
		// Google deletes finished operations after a few hours; the
		// instance tells the rest.
	}
	return b.adopt(ctx, c, in, req.Name)
}

// adopt returns the instance the intent covers, nil when there is none, and
// an import error for an instance of that name that the intent does not
// cover.
func (b *Backend) adopt(ctx context.Context, c *redis.CloudRedisClient, in *intent, block string) (*redispb.Instance, error) {
	inst, err := b.get(ctx, c, in.instance)
	if errors.Is(err, provision.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !in.covers(inst) {
		return nil, importError(in.instance, block)
	}
	return inst, nil
}

// create calls CreateInstance, retrying transient errors, and waits for
// the operation. AlreadyExists after a failed attempt may be this create's
// own instance, which is adopted when the intent covers it.
func (b *Backend) create(ctx context.Context, c *redis.CloudRedisClient, spec *Spec, in *intent, req provision.CreateRequest) (*redispb.Instance, error) {
	body := createRequest(spec)
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, b.retry.CallTimeout())
		boundary(req, "before CreateInstance")
		op, err := c.CreateInstance(cctx, body)
		boundary(req, "after CreateInstance")
		cancel()
		switch {
		case err == nil:
			in.operation = op.Name()
			if err := in.recordOperation(req); err != nil {
				return nil, err
			}
			return b.waitCreate(ctx, op, in, req)
		case isCode(err, codeAlreadyExists) && attempt == 1:
			return nil, importError(spec.Name(), req.Name)
		case isCode(err, codeAlreadyExists):
			inst, aerr := b.adopt(ctx, c, in, req.Name)
			if inst == nil && aerr == nil {
				aerr = b.apiError("create instance "+spec.Name(), err)
			}
			return inst, aerr
		case interrupted(ctx, err):
			return nil, fmt.Errorf("memorystore: creating instance %s was interrupted: %w; run `rediskit apply` again: it adopts the instance if Memorystore made it", spec.Name(), errors.Join(ctx.Err(), provision.ErrInterrupted))
		case !gcp.Transient(err) || attempt >= b.retry.Attempts:
			return nil, b.apiError("create instance "+spec.Name(), err)
		}
		if err := b.retry.Wait(ctx, attempt); err != nil {
			return nil, b.waitError("creating instance "+spec.Name(), ctx, err)
		}
	}
}

// waitCreate waits for a create operation. An operation that failed is
// forgotten in state, so that the next apply creates afresh.
func (b *Backend) waitCreate(ctx context.Context, op *redis.CreateInstanceOperation, in *intent, req provision.CreateRequest) (*redispb.Instance, error) {
	inst, err := b.waitOperation(ctx, createOp(op), "creating instance "+shortName(in.instance), req.Progress)
	var opErr *OperationError
	switch {
	case errors.As(err, &opErr) && opErr.Code == codeNotFound:
		return nil, err
	case errors.As(err, &opErr):
		in.operation = ""
		if rerr := in.recordOperation(req); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, fmt.Errorf("memorystore: Memorystore could not create instance %s: %w; fix the cause and run `rediskit apply` again to retry", in.instance, err)
	case isCode(err, codeNotFound):
		return nil, err
	case err != nil:
		return nil, b.waitError("creating instance "+in.instance, ctx, err)
	}
	return inst, nil
}

// waitError explains a wait that ended before its operation: the
// operation goes on at Google and state records it.
func (b *Backend) waitError(what string, ctx context.Context, err error) error {
	if interrupted(ctx, err) {
		err = errors.Join(err, provision.ErrInterrupted)
	} else if h := b.hint(status.Code(err)); h != "" && !gcp.Transient(err) {
		// A permanent refusal while waiting (e.g. no permission to poll)
		// needs the same advice as one from the call itself.
		return fmt.Errorf("memorystore: %s: %w; %s; the operation goes on at Google and state records it: once fixed, run `rediskit apply` again to continue waiting", what, err, h)
	}
	return fmt.Errorf("memorystore: %s: %w; the operation goes on at Google and state records it: run `rediskit apply` again to continue waiting", what, err)
}

// createRequest builds the API request for spec.
func createRequest(spec *Spec) *redispb.CreateInstanceRequest {
	inst := &redispb.Instance{
		Tier:              redispb.Instance_Tier(redispb.Instance_Tier_value[spec.Tier]),
		MemorySizeGb:      int32(spec.MemorySizeGB),
		RedisVersion:      spec.RedisVersion,
		AuthorizedNetwork: spec.Network,
		ConnectMode:       redispb.Instance_ConnectMode(redispb.Instance_ConnectMode_value[spec.ConnectMode]),
		ReservedIpRange:   spec.ReservedIPRange,
		AuthEnabled:       spec.Auth,
		Labels:            spec.Labels,
		RedisConfigs:      spec.RedisConfigs,
	}
	inst.TransitEncryptionMode = redispb.Instance_DISABLED
	if spec.TransitEncryption {
		inst.TransitEncryptionMode = redispb.Instance_SERVER_AUTHENTICATION
	}
	if spec.ReplicaCount != nil {
		inst.ReplicaCount = int32(*spec.ReplicaCount)
	}
	if spec.ReadReplicas() {
		inst.ReadReplicasMode = redispb.Instance_READ_REPLICAS_ENABLED
	}
	inst.SecondaryIpRange = spec.SecondaryIPRange
	return &redispb.CreateInstanceRequest{Parent: spec.Parent(), InstanceId: spec.Instance, Instance: inst}
}

func importError(name, block string) error {
	return fmt.Errorf("memorystore: instance %s already exists and this stack did not create it; to manage it with this stack run `rediskit import redis.%s.memorystore %s`, or choose another instance id", name, block, name)
}

func (b *Backend) warn(msg string) {
	if b.env.Warn != nil {
		b.env.Warn(msg)
	}
}

func report(progress func(string), msg string) {
	if progress != nil {
		progress(msg)
	}
}

// boundary marks a step boundary for the crash harness (provision
// boundary.go).
func boundary(req provision.CreateRequest, label string) {
	if req.Boundary != nil {
		req.Boundary(label)
	}
}
