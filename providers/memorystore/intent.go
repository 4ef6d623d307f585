package memorystore

import (
	"fmt"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"

	"github.com/rediskit/rediskit/provision"
)

// Keys of the create intent kept in CreateRequest.Pending.
const (
	pendingInstance  = "instance"
	pendingStartedAt = "started_at"
	pendingOperation = "operation"
)

// clockSkew is how far Google's clock may lag ours when an instance's
// create_time is compared with started_at.
const clockSkew = time.Minute

// intent is a create that rediskit started: the instance name, when, and
// the operation once known.
type intent struct {
	instance  string
	startedAt time.Time
	operation string
}

// parseIntent reads an intent from Pending; nil when there is none usable.
func parseIntent(p map[string]string) *intent {
	started, err := time.Parse(time.RFC3339, p[pendingStartedAt])
	if err != nil || p[pendingInstance] == "" {
		return nil
	}
	return &intent{instance: p[pendingInstance], startedAt: started, operation: p[pendingOperation]}
}

func (b *Backend) newIntent(name string) *intent {
	return &intent{instance: name, startedAt: b.now().UTC().Truncate(time.Second)}
}

func (in *intent) pending() map[string]string {
	p := map[string]string{pendingInstance: in.instance, pendingStartedAt: in.startedAt.UTC().Format(time.RFC3339)}
	if in.operation != "" {
		p[pendingOperation] = in.operation
	}
	return p
}

// covers reports whether inst may be the instance this intent created.
func (in *intent) covers(inst *redispb.Instance) bool {
	created := inst.GetCreateTime()
	return inst.GetName() == in.instance && created != nil && !created.AsTime().Before(in.startedAt.Add(-clockSkew))
}

// record persists the intent before CreateInstance.
func (in *intent) record(req provision.CreateRequest) error {
	if req.Record == nil {
		return nil
	}
	if err := req.Record(in.pending()); err != nil {
		return fmt.Errorf("memorystore: recording the intent to create %s in state: %w; nothing was created: fix the state problem and run the command again", in.instance, err)
	}
	return nil
}

// recordOperation persists the operation's name (or its removal).
func (in *intent) recordOperation(req provision.CreateRequest) error {
	if req.Record == nil {
		return nil
	}
	if err := req.Record(in.pending()); err != nil {
		return fmt.Errorf("memorystore: instance %s is being created (operation %s) but recording that in state failed: %w; run `rediskit apply` again: it adopts the instance", in.instance, in.operation, err)
	}
	return nil
}
