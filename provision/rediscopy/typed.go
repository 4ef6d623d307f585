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
	state    keyState
	done     bool // the last chunk has been read
	started  bool // the target key has been replaced (DEL or SET) already
	chunks   int  // chunks read so far
	ttl      int64
	deadline time.Time // when it expires on the source; zero without TTL
	err      error
	bytes    int64

	pos    int64    // string offset or list index of the next chunk
	cursor uint64   // HSCAN/SSCAN/ZSCAN cursor of the next chunk
	from   int64    // string offset or list index of elems[0]
	elems  []string // the chunk: string: the bytes; list, set: members; hash: field, value…; zset: member, score…
	read   redis.Cmder
	stream *streamState // streams only
}

// newKey starts a key of kind k whose PTTL is ttl.
func newKey(key string, k kind, ttl int64) *typedKey {
	tk := &typedKey{key: key, kind: k, ttl: ttl}
	if k == kindStream {
		tk.stream = &streamState{nextID: "-"}
	}
	return tk
}

// newTypedKey settles a key's state from its TYPE and PTTL replies.
func newTypedKey(key string, typ *redis.StatusCmd, pttl *redis.IntCmd, now time.Time) *typedKey {
	k, ok := kinds[typ.Val()]
	tk := newKey(key, k, pttl.Val())
	switch err := firstErr(typ.Err(), pttl.Err()); {
	case err != nil:
		tk.fail(err)
	case typ.Val() == "none" || tk.ttl == -2:
		tk.state = stateGone
	case !ok:
		tk.fail(fmt.Errorf("type %q can only be copied with DUMP/RESTORE, which the target refused", typ.Val()))
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

// queueRead appends the commands that read tk's next chunk.
func (tk *typedKey) queueRead(ctx context.Context, cmds []redis.Cmder) []redis.Cmder {
	switch tk.kind {
	case kindString:
		tk.read = redis.NewStringCmd(ctx, "getrange", tk.key, tk.pos, tk.pos+stringChunk-1)
	case kindList:
		tk.read = redis.NewStringSliceCmd(ctx, "lrange", tk.key, tk.pos, tk.pos+elemChunk-1)
	case kindHash:
		tk.read = redis.NewScanCmd(ctx, nil, "hscan", tk.key, tk.cursor, "count", elemChunk)
	case kindSet:
		tk.read = redis.NewScanCmd(ctx, nil, "sscan", tk.key, tk.cursor, "count", elemChunk)
	case kindZSet:
		tk.read = redis.NewScanCmd(ctx, nil, "zscan", tk.key, tk.cursor, "count", elemChunk)
	case kindStream:
		cmds = tk.stream.queueInfo(ctx, tk.key, cmds)
		tk.read = redis.NewCmd(ctx, "xrange", tk.key, tk.stream.nextID, "+", "count", elemChunk)
	}
	return append(cmds, tk.read)
}

// takeRead parses the chunk queueRead asked for and moves the position on.
// A collection whose first chunk is empty is gone: Redis deletes empty
// hashes, lists, sets and sorted sets.
func (tk *typedKey) takeRead() {
	tk.chunks++
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
	for _, e := range tk.elems {
		tk.bytes += int64(len(e))
	}
	if tk.chunks == 1 && tk.kind != kindString && len(tk.elems) == 0 && tk.done {
		tk.state = stateGone
	}
}
