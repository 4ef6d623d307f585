package rediscopy

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// dumpItem is one key read with PTTL and DUMP.
type dumpItem struct {
	key      string
	payload  string
	deadline time.Time // zero without TTL
	state    keyState  // statePending: RESTORE it; stateFailed: copy it by type
}

// readDump pipelines PTTL and DUMP for every key.
func (c *copier) readDump(ctx context.Context, keys []string) ([]dumpItem, error) {
	cmds := make([]redis.Cmder, 0, 2*len(keys))
	for _, k := range keys {
		cmds = append(cmds, redis.NewIntCmd(ctx, "pttl", k), redis.NewStringCmd(ctx, "dump", k))
	}
	if err := c.src.run(ctx, cmds, "DUMP"); err != nil {
		return nil, err
	}
	now := time.Now()
	items := make([]dumpItem, len(keys))
	for i, k := range keys {
		items[i] = c.dumpItem(k, cmds[2*i].(*redis.IntCmd), cmds[2*i+1].(*redis.StringCmd), now)
	}
	return items, nil
}

// dumpItem settles one key's replies. A refused DUMP or one that is not a
// genuine payload sends the key to the type-aware path.
func (c *copier) dumpItem(key string, pttl *redis.IntCmd, dump *redis.StringCmd, now time.Time) dumpItem {
	it := dumpItem{key: key, payload: dump.Val()}
	ttl, err := pttl.Result()
	switch {
	case dump.Err() == redis.Nil || err == nil && ttl == -2:
		it.state = stateGone
	case dump.Err() != nil || err != nil:
		it.state = stateFailed
	case c.genuineLeft.Load() > 0 && !genuinePayload(it.payload):
		it.state = stateFailed
	case c.genuineLeft.Load() > 0:
		c.genuineLeft.Add(-1)
	}
	if ttl >= 0 {
		it.deadline = now.Add(time.Duration(ttl) * time.Millisecond)
	}
	return it
}

// writeDump pipelines RESTORE … REPLACE for every key read, copies the
// refused ones by type, and switches the copy to the type-aware path when
// every key of the batch was refused.
func (c *copier) writeDump(ctx context.Context, items []dumpItem, t *tally) error {
	if c.opts.hooks != nil && c.opts.hooks.beforeRestore != nil {
		c.opts.hooks.beforeRestore(&batch{dump: items})
	}
	restores, err := c.restore(ctx, items)
	if err != nil {
		return err
	}
	var fallback []string
	live := 0
	for i := range items {
		it := &items[i]
		if cmd := restores[i]; cmd != nil && cmd.Err() != nil {
			if !fallbackHelps(cmd.Err()) {
				live++
				t.fail(it.key, cmd.Err())
				continue
			}
			it.state = stateFailed
		}
		switch it.state {
		case stateGone:
			t.skipped++
		case stateFailed:
			live++
			fallback = append(fallback, it.key)
		case statePending:
			live++
			t.restored++
			t.bytes += int64(len(it.payload))
		}
	}
	if len(fallback) > 0 && len(fallback) == live {
		c.typedOnly.Store(true)
	}
	return c.copyByType(ctx, fallback, t)
}

// restore pipelines the RESTOREs; a key that expired on the source since
// it was read is not restored but counted as gone.
func (c *copier) restore(ctx context.Context, items []dumpItem) ([]*redis.StatusCmd, error) {
	cmds := make([]*redis.StatusCmd, len(items))
	queued := make([]redis.Cmder, 0, len(items))
	now := time.Now()
	for i := range items {
		it := &items[i]
		if it.state != statePending {
			continue
		}
		var ttl int64
		if !it.deadline.IsZero() {
			if ttl = it.deadline.Sub(now).Milliseconds(); ttl <= 0 {
				it.state = stateGone
				continue
			}
		}
		cmds[i] = redis.NewStatusCmd(ctx, "restore", it.key, ttl, it.payload, "replace")
		queued = append(queued, cmds[i])
	}
	return cmds, c.dst.run(ctx, queued, "RESTORE")
}

// copyByType copies keys with the type-aware path, synchronously.
func (c *copier) copyByType(ctx context.Context, keys []string, t *tally) error {
	if len(keys) == 0 {
		return nil
	}
	tks, err := c.readTyped(ctx, keys)
	if err != nil {
		return err
	}
	return c.writeTyped(ctx, tks, t)
}
