package rediscopy

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// writeTyped writes the chunk each key of tks holds in one pipeline, then
// finishes the keys with more chunks one at a time, and tallies them all.
func (c *copier) writeTyped(ctx context.Context, tks []*typedKey) error {
	if err := c.writeChunks(ctx, tks); err != nil {
		return err
	}
	for _, tk := range tks {
		for tk.state == statePending && !tk.done {
			if err := readChunks(ctx, c.src, []*typedKey{tk}); err != nil {
				return err
			}
			if err := c.writeChunks(ctx, []*typedKey{tk}); err != nil {
				return err
			}
		}
	}
	c.cleanFailed(ctx, tks)
	for _, tk := range tks {
		c.tallyTyped(tk)
	}
	return nil
}

// writeChunks pipelines the current chunk of every pending key, with the
// TTL and stream metadata of those whose last chunk it is.
func (c *copier) writeChunks(ctx context.Context, tks []*typedKey) error {
	pipe := c.dst.client.Pipeline()
	cmds := make([][]redis.Cmder, len(tks))
	now := time.Now()
	for i, tk := range tks {
		if tk.state == statePending {
			cmds[i] = tk.queueWrite(ctx, pipe, now)
		}
	}
	if err := c.dst.exec(ctx, pipe, "write by type"); err != nil {
		return err
	}
	for i, tk := range tks {
		for _, cmd := range cmds[i] {
			if err := cmd.Err(); err != nil {
				tk.fail(err)
			}
		}
		if tk.state == statePending && tk.done {
			tk.state = stateDone
		}
	}
	return nil
}

// queueWrite adds the commands that write tk's current chunk; the first
// replaces the key, the last sets the remaining TTL.
func (tk *typedKey) queueWrite(ctx context.Context, pipe redis.Pipeliner, now time.Time) []redis.Cmder {
	ttl, expired := tk.remaining(now)
	if expired {
		// Gone on the source since it was read: do not leave a copy behind.
		tk.state = stateGone
		return queue(ctx, pipe, nil, "del", tk.key)
	}
	var cmds []redis.Cmder
	if tk.kind == kindString {
		return tk.queueStringWrite(ctx, pipe, ttl)
	}
	if !tk.started {
		cmds = queue(ctx, pipe, cmds, "del", tk.key)
		tk.started = true
	}
	if args := tk.writeArgs(); args != nil {
		cmds = queue(ctx, pipe, cmds, args...)
	}
	if tk.kind == kindStream {
		cmds = tk.queueStreamWrite(ctx, pipe, cmds)
		if tk.done {
			cmds = tk.queueStreamFinish(ctx, pipe, cmds)
		}
	}
	if tk.done && ttl > 0 {
		cmds = queue(ctx, pipe, cmds, "pexpire", tk.key, ttl)
	}
	return cmds
}

// queueStringWrite sets a whole string with its TTL in one command, or
// builds a big one with SET and APPENDs.
func (tk *typedKey) queueStringWrite(ctx context.Context, pipe redis.Pipeliner, ttl int64) []redis.Cmder {
	var cmds []redis.Cmder
	switch {
	case tk.started:
		cmds = queue(ctx, pipe, cmds, "append", tk.key, tk.elems[0])
	case tk.done && ttl > 0:
		cmds = queue(ctx, pipe, cmds, "set", tk.key, tk.elems[0], "px", ttl)
		return cmds
	default:
		cmds = queue(ctx, pipe, cmds, "set", tk.key, tk.elems[0])
	}
	tk.started = true
	if tk.done && ttl > 0 {
		cmds = queue(ctx, pipe, cmds, "pexpire", tk.key, ttl)
	}
	return cmds
}

// writeArgs is the write command for a collection chunk, nil when empty.
func (tk *typedKey) writeArgs() []any {
	if len(tk.elems) == 0 {
		return nil
	}
	var name string
	switch tk.kind {
	case kindList:
		name = "rpush"
	case kindHash:
		name = "hset"
	case kindSet:
		name = "sadd"
	case kindZSet:
		name = "zadd"
	default:
		return nil
	}
	args := make([]any, 0, 2+len(tk.elems))
	args = append(args, name, tk.key)
	if tk.kind == kindZSet { // ZSCAN gives member, score; ZADD wants score, member
		for i := 0; i+1 < len(tk.elems); i += 2 {
			args = append(args, tk.elems[i+1], tk.elems[i])
		}
		return args
	}
	for _, e := range tk.elems {
		args = append(args, e)
	}
	return args
}

// remaining is the TTL to set on the target now, in milliseconds (0: none),
// and whether the key has expired on the source since it was read.
func (tk *typedKey) remaining(now time.Time) (int64, bool) {
	if tk.deadline.IsZero() {
		return 0, false
	}
	ms := tk.deadline.Sub(now).Milliseconds()
	return ms, ms <= 0
}

// cleanFailed deletes what a failed key left on the target, best effort: a
// partial value is worse than none.
func (c *copier) cleanFailed(ctx context.Context, tks []*typedKey) {
	pipe := c.dst.client.Pipeline()
	for _, tk := range tks {
		if tk.state == stateFailed && tk.started {
			pipe.Del(ctx, tk.key)
		}
	}
	_, _ = pipe.Exec(ctx)
}

// tallyTyped counts a key once it is settled.
func (c *copier) tallyTyped(tk *typedKey) {
	switch tk.state {
	case stateDone:
		c.res.Typed++
		c.res.Copied++
		c.res.Bytes += tk.bytes
	case stateGone:
		c.res.Skipped++
	case stateFailed:
		c.failKey(tk.key, tk.err)
	}
}
