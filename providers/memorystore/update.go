package memorystore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	redis "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/rediskit/rediskit/providers/gcp"
	"github.com/rediskit/rediskit/provision"
)

// Update makes the in-place changes Diff reports, judged against a fresh
// read: UpdateInstance with an update mask for memory size, labels, Redis
// configuration, replica count, AUTH and read replicas (their mode and
// secondary_ip_range together), then UpgradeInstance for a newer
// Redis version. It first waits for a busy instance to be READY, and
// returns the instance afterwards.
func (b *Backend) Update(ctx context.Context, rec provision.Record, want provision.Spec) (*provision.Instance, error) {
	s, ok := want.(*Spec)
	if !ok || s == nil {
		return nil, fmt.Errorf("memorystore: Update got a %T spec; this is a bug in rediskit, please report it", want)
	}
	c, err := b.api(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := b.waitReady(ctx, c, rec.ID, nil)
	if err != nil {
		return nil, b.waitError("waiting for instance "+rec.ID, ctx, err)
	}
	sent := sentByRecord(rec.Attrs)
	if immutable := immutableChanges(inst, s, sent); len(immutable) > 0 {
		return nil, fmt.Errorf("memorystore: instance %s cannot change %s in place; %s", rec.ID, strings.Join(immutable, ", "), replaceNote)
	}
	if inst, err = b.updateFields(ctx, c, inst, s, sent); err != nil {
		return nil, err
	}
	if inst.GetRedisVersion() != s.RedisVersion {
		if inst, err = b.upgrade(ctx, c, inst, s.RedisVersion); err != nil {
			return nil, err
		}
	}
	return b.instance(ctx, c, inst, sent.withKeysOf(s))
}

// immutableChanges names what differs that only a replace can change.
func immutableChanges(inst *redispb.Instance, s *Spec, sent sent) []string {
	var out []string
	for _, c := range (&Backend{}).Diff(s, instanceFrom(inst, "", sent)) {
		if c.ForcesReplace {
			out = append(out, c.Name)
		}
	}
	return out
}

// updatePaths returns the update mask that takes inst to s, and the
// instance to send with it. Labels and Redis configuration keys that are
// not the stack's (see sent) are sent back unchanged.
func updatePaths(inst *redispb.Instance, s *Spec, sent sent) ([]string, *redispb.Instance) {
	body := &redispb.Instance{Name: inst.GetName()}
	var paths []string
	if int(inst.GetMemorySizeGb()) != s.MemorySizeGB {
		paths, body.MemorySizeGb = append(paths, "memory_size_gb"), int32(s.MemorySizeGB)
	}
	if labels := merged(inst.GetLabels(), s.Labels, sent.labels); !maps.Equal(inst.GetLabels(), labels) {
		paths, body.Labels = append(paths, "labels"), labels
	}
	if configs := merged(inst.GetRedisConfigs(), s.RedisConfigs, sent.configs); !maps.Equal(inst.GetRedisConfigs(), configs) &&
		(len(inst.GetRedisConfigs()) > 0 || len(configs) > 0) {
		paths, body.RedisConfigs = append(paths, "redis_configs"), configs
	}
	if s.ReplicaCount != nil && int(inst.GetReplicaCount()) != *s.ReplicaCount {
		paths, body.ReplicaCount = append(paths, "replica_count"), int32(*s.ReplicaCount)
	}
	// Memorystore refuses read replicas turned on without the range they
	// go in, in the same update (gcp-apis.md §6b row 7).
	if s.ReadReplicas() && inst.GetReadReplicasMode() != redispb.Instance_READ_REPLICAS_ENABLED {
		paths = append(paths, "read_replicas_mode", "secondary_ip_range")
		body.ReadReplicasMode, body.SecondaryIpRange = redispb.Instance_READ_REPLICAS_ENABLED, secondaryRange(s)
	}
	if inst.GetAuthEnabled() != s.Auth {
		paths, body.AuthEnabled = append(paths, "auth_enabled"), s.Auth
	}
	return paths, body
}

// updateFields sends UpdateInstance when anything in its mask differs. A
// call that failed transiently may still have taken effect, so each retry
// first waits for the instance to settle and recomputes the mask.
func (b *Backend) updateFields(ctx context.Context, c *redis.CloudRedisClient, inst *redispb.Instance, s *Spec, sent sent) (*redispb.Instance, error) {
	name := inst.GetName()
	for attempt := 1; ; attempt++ {
		paths, body := updatePaths(inst, s, sent)
		if len(paths) == 0 {
			return inst, nil
		}
		cctx, cancel := context.WithTimeout(ctx, b.retry.CallTimeout())
		op, err := c.UpdateInstance(cctx, &redispb.UpdateInstanceRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, Instance: body})
		cancel()
		if err == nil {
			return b.finish(ctx, updateOp(op), "updating "+strings.Join(paths, ", ")+" of "+name)
		}
		if err := b.settleAfter(ctx, err, attempt, "update instance "+name); err != nil {
			return nil, err
		}
		if inst, err = b.waitReady(ctx, c, name, nil); err != nil {
			return nil, b.waitError("waiting for instance "+name, ctx, err)
		}
	}
}

// upgrade moves inst to a newer Redis version with UpgradeInstance.
func (b *Backend) upgrade(ctx context.Context, c *redis.CloudRedisClient, inst *redispb.Instance, version string) (*redispb.Instance, error) {
	name := inst.GetName()
	for attempt := 1; inst.GetRedisVersion() != version; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, b.retry.CallTimeout())
		op, err := c.UpgradeInstance(cctx, &redispb.UpgradeInstanceRequest{Name: name, RedisVersion: version})
		cancel()
		if err == nil {
			return b.finish(ctx, upgradeOp(op), "upgrading "+name+" to "+version)
		}
		if err := b.settleAfter(ctx, err, attempt, "upgrade instance "+name+" to "+version); err != nil {
			return nil, err
		}
		if inst, err = b.waitReady(ctx, c, name, nil); err != nil {
			return nil, b.waitError("waiting for instance "+name, ctx, err)
		}
	}
	return inst, nil
}

// settleAfter decides whether a failed call is tried again, and waits
// before it does.
func (b *Backend) settleAfter(ctx context.Context, err error, attempt int, op string) error {
	if interrupted(ctx, err) {
		return b.waitError(op, ctx, err)
	}
	if !gcp.Transient(err) || attempt >= b.retry.Attempts {
		return b.apiError(op, err)
	}
	if err := b.retry.Wait(ctx, attempt); err != nil {
		return b.waitError(op, ctx, err)
	}
	return nil
}

// finish waits for an update or upgrade operation.
func (b *Backend) finish(ctx context.Context, op operation, what string) (*redispb.Instance, error) {
	inst, err := b.waitOperation(ctx, op, what, nil)
	if err != nil {
		if opErr := (*OperationError)(nil); errors.As(err, &opErr) {
			return nil, fmt.Errorf("memorystore: %s failed: %w; the instance is unchanged: fix the cause and run `rediskit apply` again", what, err)
		}
		return nil, b.waitError(what, ctx, err)
	}
	return inst, nil
}

// delete deletes an instance and waits until it is gone. Deleting one that
// is busy waits for it first; one that is gone is done.
func (b *Backend) delete(ctx context.Context, c *redis.CloudRedisClient, name string) error {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, b.retry.CallTimeout())
		op, err := c.DeleteInstance(cctx, &redispb.DeleteInstanceRequest{Name: name})
		cancel()
		switch {
		case isCode(err, codeNotFound):
			return nil
		case err == nil:
			_, err = b.waitOperation(ctx, deleteOp(op), "deleting instance "+shortName(name), nil)
			if err == nil || isCode(err, codeNotFound) {
				return nil
			}
			if opErr := (*OperationError)(nil); errors.As(err, &opErr) {
				return fmt.Errorf("memorystore: deleting instance %s failed: %w; check it in the Cloud console and run the command again", name, err)
			}
			return b.waitError("deleting instance "+name, ctx, err)
		case isCode(err, codes.FailedPrecondition) && attempt < b.retry.Attempts:
			// Busy: wait for it to settle (or to vanish), then try again.
		default:
			if err := b.settleAfter(ctx, err, attempt, "delete instance "+name); err != nil {
				return err
			}
		}
		if _, err := b.waitReady(ctx, c, name, nil); err != nil {
			if errors.Is(err, provision.ErrNotFound) {
				return nil
			}
			return b.waitError("waiting for instance "+name, ctx, err)
		}
	}
}
