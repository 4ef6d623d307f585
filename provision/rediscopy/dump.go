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
	err      error     // why DUMP or RESTORE was refused
}

// readDump pipelines PTTL and DUMP for every key.
func (c *copier) readDump(ctx context.Context, keys []string) ([]dumpItem, error) {
	pipe := c.src.client.Pipeline()
	pttls := make([]*redis.IntCmd, len(keys))
	dumps := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		pttls[i] = redis.NewIntCmd(ctx, "pttl", k)
		dumps[i] = redis.NewStringCmd(ctx, "dump", k)
		_ = pipe.Process(ctx, pttls[i])
		_ = pipe.Process(ctx, dumps[i])
	}
	if err := c.src.exec(ctx, pipe, "DUMP"); err != nil {
		return nil, err
	}
	now := time.Now()
	items := make([]dumpItem, len(keys))
	for i, k := range keys {
		items[i] = c.dumpItem(k, pttls[i], dumps[i], now)
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
		it.state, it.err = stateFailed, firstErr(dump.Err(), err)
	case c.genuineLeft > 0 && !genuinePayload(it.payload):
		it.state = stateFailed
	}
	if it.state == statePending && c.genuineLeft > 0 {
		c.genuineLeft--
	}
	if ttl >= 0 {
		it.deadline = now.Add(time.Duration(ttl) * time.Millisecond)
	}
	return it
}

// writeDump pipelines RESTORE … REPLACE for every key read, copies the
// refused ones by type, and switches the copy to the type-aware path when
// every key of the batch was refused.
func (c *copier) writeDump(ctx context.Context, items []dumpItem) error {
	if c.opts.hooks != nil && c.opts.hooks.beforeRestore != nil {
		c.opts.hooks.beforeRestore(&batch{dump: items})
	}
	restores, err := c.queueRestores(ctx, items)
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
				c.failKey(it.key, cmd.Err())
				continue
			}
			it.state, it.err = stateFailed, cmd.Err()
		}
		switch it.state {
		case stateGone:
			c.res.Skipped++
		case stateFailed:
			live++
			fallback = append(fallback, it.key)
		case statePending:
			live++
			c.res.Restored++
			c.res.Copied++
			c.res.Bytes += int64(len(it.payload))
		}
	}
	if len(fallback) > 0 && len(fallback) == live {
		c.typedOnly.Store(true)
	}
	return c.copyByType(ctx, fallback)
}

// queueRestores runs the RESTOREs; a key that expired on the source since
// it was read is not restored but counted as gone.
func (c *copier) queueRestores(ctx context.Context, items []dumpItem) ([]*redis.StatusCmd, error) {
	pipe := c.dst.client.Pipeline()
	cmds := make([]*redis.StatusCmd, len(items))
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
		_ = pipe.Process(ctx, cmds[i])
	}
	return cmds, c.dst.exec(ctx, pipe, "RESTORE")
}

// copyByType copies keys with the type-aware path, synchronously.
func (c *copier) copyByType(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	tks, err := c.readTyped(ctx, keys)
	if err != nil {
		return err
	}
	return c.writeTyped(ctx, tks)
}
