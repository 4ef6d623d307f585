package rediscopy

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// writeTyped writes the chunk each key of tks holds in one pipeline, then
// finishes the keys with more chunks one at a time, and tallies them all.
func (c *copier) writeTyped(ctx context.Context, tks []*typedKey, t *tally) error {
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
		t.add(tk)
	}
	return nil
}

// writeChunks pipelines the current chunk of every pending key, with the
// TTL and stream metadata of those whose last chunk it is.
func (c *copier) writeChunks(ctx context.Context, tks []*typedKey) error {
	cmds := make([]redis.Cmder, 0, 2*len(tks))
	ends := make([]int, len(tks)) // tks[i]'s commands end at cmds[ends[i]]
	now := time.Now()
	for i, tk := range tks {
		if tk.state == statePending {
			cmds = tk.queueWrite(ctx, cmds, now)
		}
		ends[i] = len(cmds)
	}
	if err := c.dst.run(ctx, cmds, "write by type"); err != nil {
		return err
	}
	start := 0
	for i, tk := range tks {
		for _, cmd := range cmds[start:ends[i]] {
			if err := cmd.Err(); err != nil {
				tk.fail(err)
			}
		}
		start = ends[i]
		if tk.state == statePending && tk.done {
			tk.state = stateDone
		}
	}
	return nil
}

// queueWrite appends the commands that write tk's current chunk; the first
// replaces the key, the last sets the remaining TTL.
func (tk *typedKey) queueWrite(ctx context.Context, cmds []redis.Cmder, now time.Time) []redis.Cmder {
	ttl, expired := tk.remaining(now)
	if expired {
		// Gone on the source since it was read: do not leave a copy behind.
		tk.state = stateGone
		return append(cmds, redis.NewIntCmd(ctx, "del", tk.key))
	}
	if tk.kind == kindString {
		return tk.queueStringWrite(ctx, cmds, ttl)
	}
	if !tk.started {
		cmds = append(cmds, redis.NewIntCmd(ctx, "del", tk.key))
		tk.started = true
	}
	if args := tk.writeArgs(); args != nil {
		cmds = append(cmds, redis.NewIntCmd(ctx, args...))
	}
	if tk.kind == kindStream {
		cmds = tk.queueStreamWrite(ctx, cmds)
	}
	if tk.done && ttl > 0 {
		cmds = append(cmds, redis.NewIntCmd(ctx, "pexpire", tk.key, ttl))
	}
	return cmds
}

// queueStringWrite sets a whole string with its TTL in one command, or
// builds a big one with SET and APPENDs.
func (tk *typedKey) queueStringWrite(ctx context.Context, cmds []redis.Cmder, ttl int64) []redis.Cmder {
	switch {
	case tk.started:
		cmds = append(cmds, redis.NewIntCmd(ctx, "append", tk.key, tk.elems[0]))
	case tk.done && ttl > 0:
		return append(cmds, redis.NewStatusCmd(ctx, "set", tk.key, tk.elems[0], "px", ttl))
	default:
		cmds = append(cmds, redis.NewStatusCmd(ctx, "set", tk.key, tk.elems[0]))
	}
	tk.started = true
	if tk.done && ttl > 0 {
		cmds = append(cmds, redis.NewIntCmd(ctx, "pexpire", tk.key, ttl))
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
	var cmds []redis.Cmder
	for _, tk := range tks {
		if tk.state == stateFailed && tk.started {
			cmds = append(cmds, redis.NewIntCmd(ctx, "del", tk.key))
		}
	}
	_ = c.dst.run(ctx, cmds, "DEL")
}

// add counts a key copied by type once it is settled.
func (t *tally) add(tk *typedKey) {
	switch tk.state {
	case stateDone:
		t.typed++
		t.bytes += tk.bytes
	case stateGone:
		t.skipped++
	case stateFailed:
		t.fail(tk.key, tk.err)
	}
}
