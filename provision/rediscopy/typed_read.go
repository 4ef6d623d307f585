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
	pipe := src.client.Pipeline()
	types := make([]*redis.StatusCmd, len(keys))
	pttls := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		types[i] = pipe.Type(ctx, k)
		pttls[i] = redis.NewIntCmd(ctx, "pttl", k)
		_ = pipe.Process(ctx, pttls[i])
	}
	if err := src.exec(ctx, pipe, "TYPE/PTTL"); err != nil {
		return nil, err
	}
	now := time.Now()
	tks := make([]*typedKey, len(keys))
	for i, k := range keys {
		tks[i] = newTypedKey(k, types[i], pttls[i], now)
	}
	return tks, nil
}

// readChunks pipelines the next chunk of every pending key of tks.
func readChunks(ctx context.Context, src *conn, tks []*typedKey) error {
	pipe := src.client.Pipeline()
	for _, tk := range tks {
		if tk.state == statePending {
			tk.queueRead(ctx, pipe)
		}
	}
	if err := src.exec(ctx, pipe, "read by type"); err != nil {
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
	for _, tk := range tks {
		if tk.state == statePending && tk.kind == kindString && tk.chunks == 1 && tk.pos == 0 {
			empty = append(empty, tk)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	pipe := src.client.Pipeline()
	exists := make([]*redis.IntCmd, len(empty))
	for i, tk := range empty {
		exists[i] = pipe.Exists(ctx, tk.key)
	}
	if err := src.exec(ctx, pipe, "EXISTS"); err != nil {
		return err
	}
	for i, tk := range empty {
		if exists[i].Err() == nil && exists[i].Val() == 0 {
			tk.state = stateGone
		}
	}
	return nil
}
