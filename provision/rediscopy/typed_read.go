package rediscopy

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// readTyped reads TYPE and PTTL of keys, then the first chunk of each: two
// round trips to the source for the whole batch.
func (c *copier) readTyped(ctx context.Context, keys []string) ([]*typedKey, error) {
	tks, err := readTypes(ctx, c.src, keys)
	if err != nil {
		return nil, err
	}
	if err := readChunks(ctx, c.src, tks); err != nil {
		return nil, err
	}
	return tks, checkEmptyStrings(ctx, c.src, tks)
}

// readTypes pipelines TYPE and PTTL for every key.
func readTypes(ctx context.Context, src *conn, keys []string) ([]*typedKey, error) {
	cmds := make([]redis.Cmder, 0, 2*len(keys))
	for _, k := range keys {
		cmds = append(cmds, redis.NewStatusCmd(ctx, "type", k), redis.NewIntCmd(ctx, "pttl", k))
	}
	if err := src.run(ctx, cmds, "TYPE/PTTL"); err != nil {
		return nil, err
	}
	now := time.Now()
	tks := make([]*typedKey, len(keys))
	for i, k := range keys {
		tks[i] = newTypedKey(k, cmds[2*i].(*redis.StatusCmd), cmds[2*i+1].(*redis.IntCmd), now)
	}
	return tks, nil
}

// readChunks pipelines the next chunk of every pending key of tks.
func readChunks(ctx context.Context, src *conn, tks []*typedKey) error {
	cmds := make([]redis.Cmder, 0, len(tks))
	for _, tk := range tks {
		if tk.state == statePending {
			cmds = tk.queueRead(ctx, cmds)
		}
	}
	if err := src.run(ctx, cmds, "read by type"); err != nil {
		return err
	}
	for _, tk := range tks {
		if tk.state == statePending {
			tk.takeRead()
		}
	}
	return nil
}

// checkEmptyStrings tells an empty string from a string deleted since
// TYPE, which GETRANGE cannot: both read as "".
func checkEmptyStrings(ctx context.Context, src *conn, tks []*typedKey) error {
	var empty []*typedKey
	var cmds []redis.Cmder
	for _, tk := range tks {
		if tk.state == statePending && tk.kind == kindString && tk.chunks == 1 && tk.pos == 0 {
			empty = append(empty, tk)
			cmds = append(cmds, redis.NewIntCmd(ctx, "exists", tk.key))
		}
	}
	if err := src.run(ctx, cmds, "EXISTS"); err != nil {
		return err
	}
	for i, tk := range empty {
		if n := cmds[i].(*redis.IntCmd); n.Err() == nil && n.Val() == 0 {
			tk.state = stateGone
		}
	}
	return nil
}
