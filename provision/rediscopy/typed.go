package rediscopy

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Chunk sizes of the type-aware path: the first chunk of every key of a
// batch is read in one pipeline, so these bound a batch's memory; a key
// with more is finished alone, chunk by chunk.
const (
	stringChunk = 64 << 10 // bytes per GETRANGE
	elemChunk   = 512      // elements per LRANGE, XRANGE, and HSCAN/SSCAN/ZSCAN COUNT
)

// kind is a Redis type the type-aware path can copy.
type kind uint8

const (
	kindString kind = iota + 1
	kindList
	kindHash
	kindSet
	kindZSet
	kindStream
)

var kinds = map[string]kind{
	"string": kindString, "list": kindList, "hash": kindHash,
	"set": kindSet, "zset": kindZSet, "stream": kindStream,
}

// keyState is where a key stands.
type keyState uint8

const (
	statePending keyState = iota // still to read or write
	stateGone                    // expired or deleted on the source meanwhile
	stateFailed                  // cannot be copied; err says why
	stateDone                    // copied
)

// typedKey is one key copied, or compared, by type a chunk at a time.
type typedKey struct {
	key      string
	kind     kind
	ttl      int64     // PTTL when read: -1 without expiry
	deadline time.Time // when it expires on the source; zero without TTL
	state    keyState
	err      error
	bytes    int64

	// Where the next chunk starts.
	pos    int64  // string offset or list index
	cursor uint64 // HSCAN/SSCAN/ZSCAN
	nextID string // stream: XRANGE start
	done   bool   // the last chunk has been read
	chunks int    // chunks read so far

	// The chunk just read.
	from    int64    // string offset or list index of elems[0]
	elems   []string // string: the bytes; list, set: members; hash: field, value…; zset: member, score…
	entries []entry  // stream
	stream  *streamInfo

	read    redis.Cmder // pending read
	info    *redis.Cmd  // pending XINFO STREAM (first stream chunk)
	groups  *redis.Cmd  // pending XINFO GROUPS (first stream chunk)
	started bool        // the target key has been replaced (DEL or SET) already
}

// newTypedKey settles a key's state from its TYPE and PTTL replies.
func newTypedKey(key string, typ *redis.StatusCmd, pttl *redis.IntCmd, now time.Time) *typedKey {
	tk := &typedKey{key: key, ttl: pttl.Val(), nextID: "-"}
	if err := firstErr(typ.Err(), pttl.Err()); err != nil {
		tk.fail(err)
		return tk
	}
	k, ok := kinds[typ.Val()]
	switch {
	case typ.Val() == "none" || tk.ttl == -2:
		tk.state = stateGone
	case !ok:
		tk.fail(fmt.Errorf("type %q can only be copied with DUMP/RESTORE, which the target refused", typ.Val()))
	default:
		tk.kind = k
	}
	if tk.ttl >= 0 {
		tk.deadline = now.Add(time.Duration(tk.ttl) * time.Millisecond)
	}
	return tk
}

func (tk *typedKey) fail(err error) {
	if tk.state != stateFailed {
		tk.state, tk.err = stateFailed, err
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil && err != redis.Nil {
			return err
		}
	}
	return nil
}

// queueRead adds the commands that read tk's next chunk to pipe.
func (tk *typedKey) queueRead(ctx context.Context, pipe redis.Pipeliner) {
	var cmd redis.Cmder
	switch tk.kind {
	case kindString:
		cmd = redis.NewStringCmd(ctx, "getrange", tk.key, tk.pos, tk.pos+stringChunk-1)
	case kindList:
		cmd = redis.NewStringSliceCmd(ctx, "lrange", tk.key, tk.pos, tk.pos+elemChunk-1)
	case kindHash:
		cmd = pipe.HScan(ctx, tk.key, tk.cursor, "", elemChunk)
	case kindSet:
		cmd = pipe.SScan(ctx, tk.key, tk.cursor, "", elemChunk)
	case kindZSet:
		cmd = pipe.ZScan(ctx, tk.key, tk.cursor, "", elemChunk)
	case kindStream:
		if tk.stream == nil {
			tk.info = redis.NewCmd(ctx, "xinfo", "stream", tk.key)
			tk.groups = redis.NewCmd(ctx, "xinfo", "groups", tk.key)
			_ = pipe.Process(ctx, tk.info)
			_ = pipe.Process(ctx, tk.groups)
		}
		cmd = redis.NewCmd(ctx, "xrange", tk.key, tk.nextID, "+", "count", elemChunk)
	}
	if _, queued := cmd.(*redis.ScanCmd); !queued {
		_ = pipe.Process(ctx, cmd)
	}
	tk.read = cmd
}

// takeRead parses the chunk queueRead asked for and moves the position on.
// A collection whose first chunk is empty is gone: Redis deletes empty
// hashes, lists, sets and sorted sets.
func (tk *typedKey) takeRead() {
	tk.chunks++
	first := tk.chunks == 1
	if err := tk.read.Err(); err != nil {
		tk.fail(err)
		return
	}
	tk.from = tk.pos
	switch cmd := tk.read.(type) {
	case *redis.StringCmd:
		tk.elems = []string{cmd.Val()}
		tk.pos += int64(len(cmd.Val()))
		tk.done = len(cmd.Val()) < stringChunk
	case *redis.StringSliceCmd:
		tk.elems = cmd.Val()
		tk.pos += int64(len(tk.elems))
		tk.done = len(tk.elems) < elemChunk
	case *redis.ScanCmd:
		tk.elems, tk.cursor = cmd.Val()
		tk.done = tk.cursor == 0
	case *redis.Cmd:
		tk.takeStreamRead(cmd)
		return
	}
	tk.countBytes()
	if first && tk.kind != kindString && len(tk.elems) == 0 && tk.done {
		tk.state = stateGone
	}
}

func (tk *typedKey) countBytes() {
	for _, e := range tk.elems {
		tk.bytes += int64(len(e))
	}
}
