package rediscopy

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// typedPair is a key compared by type: the source is read chunk by chunk
// as in a copy and each chunk is looked up on the target, after comparing
// lengths, so that equal lengths and every source element found equal on
// the target mean equal values.
type typedPair struct {
	src            *typedKey
	srcLen, dstLen *redis.IntCmd
	lookup         *redis.Cmd
	diff           string // first difference found
}

var lengthCommands = map[kind]string{
	kindString: "strlen", kindList: "llen", kindHash: "hlen",
	kindSet: "scard", kindZSet: "zcard", kindStream: "xlen",
}

// compareTyped compares pairs: first chunks and lengths of all of them in
// one round trip per side, then the remaining chunks key by key.
func (v *verifier) compareTyped(ctx context.Context, pairs []*typedPair) error {
	if len(pairs) == 0 {
		return nil
	}
	var src, dst []redis.Cmder
	for _, p := range pairs {
		p.srcLen = lengthCmd(ctx, p.src)
		p.dstLen = lengthCmd(ctx, p.src)
		src = p.src.queueRead(ctx, append(src, p.srcLen))
		dst = append(dst, p.dstLen)
	}
	if err := v.c.src.run(ctx, src, "verification read by type"); err != nil {
		return err
	}
	if err := v.c.dst.run(ctx, dst, "verification read by type"); err != nil {
		return err
	}
	for _, p := range pairs {
		p.src.takeRead()
		p.compareLengths()
	}
	if err := v.lookups(ctx, pairs); err != nil {
		return err
	}
	for _, p := range pairs {
		for p.pending() && !p.src.done {
			if err := readChunks(ctx, v.c.src, []*typedKey{p.src}); err != nil {
				return err
			}
			if err := v.lookups(ctx, []*typedPair{p}); err != nil {
				return err
			}
		}
		v.tallyPair(p)
	}
	return nil
}

func lengthCmd(ctx context.Context, tk *typedKey) *redis.IntCmd {
	return redis.NewIntCmd(ctx, lengthCommands[tk.kind], tk.key)
}

func (p *typedPair) pending() bool { return p.src.state == statePending && p.diff == "" }

func (p *typedPair) compareLengths() {
	if !p.pending() {
		return
	}
	if err := firstErr(p.srcLen.Err(), p.dstLen.Err()); err != nil {
		p.diff = "length refused: " + err.Error()
	} else if p.srcLen.Val() != p.dstLen.Val() {
		p.diff = fmt.Sprintf("%d elements (or bytes) on the source, %d on the target", p.srcLen.Val(), p.dstLen.Val())
	}
}

// lookups looks the current chunk of every pending pair up on the target.
func (v *verifier) lookups(ctx context.Context, pairs []*typedPair) error {
	var cmds []redis.Cmder
	for _, p := range pairs {
		p.lookup = nil
		if p.pending() {
			if p.lookup = p.src.lookupCmd(ctx); p.lookup != nil {
				cmds = append(cmds, p.lookup)
			}
		}
	}
	if err := v.c.dst.run(ctx, cmds, "verification lookup"); err != nil {
		return err
	}
	for _, p := range pairs {
		if p.lookup == nil {
			continue
		}
		if err := p.lookup.Err(); err != nil && err != redis.Nil {
			p.diff = "lookup refused: " + err.Error()
		} else {
			p.diff = p.src.checkLookup(p.lookup)
		}
	}
	return nil
}

func (v *verifier) tallyPair(p *typedPair) {
	v.res.Bytes += p.src.bytes
	switch {
	case p.src.state == stateGone:
		v.res.Skipped++
	case p.src.state == stateFailed:
		v.mismatch(p.src.key, "reading the source failed: "+p.src.err.Error())
	case p.diff != "":
		v.mismatch(p.src.key, p.diff)
	default:
		v.res.Equal++
	}
}

// lookupCmd asks the target for what the current chunk should match; nil
// when the chunk is empty.
func (tk *typedKey) lookupCmd(ctx context.Context) *redis.Cmd {
	var args []any
	switch tk.kind {
	case kindString:
		if n := int64(len(tk.elems[0])); n > 0 {
			args = []any{"getrange", tk.key, tk.from, tk.from + n - 1}
		}
	case kindList:
		if n := int64(len(tk.elems)); n > 0 {
			args = []any{"lrange", tk.key, tk.from, tk.from + n - 1}
		}
	case kindHash:
		args = memberArgs("hmget", tk.key, tk.elems, 2)
	case kindSet:
		args = memberArgs("smismember", tk.key, tk.elems, 1)
	case kindZSet:
		args = memberArgs("zmscore", tk.key, tk.elems, 2)
	case kindStream:
		if es := tk.stream.entries; len(es) > 0 {
			args = []any{"xrange", tk.key, es[0].id, es[len(es)-1].id, "count", len(es)}
		}
	}
	if args == nil {
		return nil
	}
	return redis.NewCmd(ctx, args...)
}

// memberArgs is name key elems[0] elems[step] …, nil without elements.
func memberArgs(name, key string, elems []string, step int) []any {
	if len(elems) == 0 {
		return nil
	}
	args := []any{name, key}
	for i := 0; i < len(elems); i += step {
		args = append(args, elems[i])
	}
	return args
}

// checkLookup compares the target's reply with the chunk: "" when equal.
func (tk *typedKey) checkLookup(cmd *redis.Cmd) string {
	reply := cmd.Val()
	switch tk.kind {
	case kindString:
		if s, _ := reply.(string); s != tk.elems[0] {
			return fmt.Sprintf("bytes %d-%d differ", tk.from, tk.from+int64(len(tk.elems[0]))-1)
		}
	case kindList:
		if !slices.Equal(stringList(reply), tk.elems) {
			return fmt.Sprintf("elements %d-%d differ", tk.from, tk.from+int64(len(tk.elems))-1)
		}
	case kindStream:
		got, err := parseEntries(reply)
		if want := tk.stream.entries; err != nil || !slices.EqualFunc(got, want, equalEntry) {
			return "stream entries from " + want[0].id + " differ"
		}
	default:
		return tk.checkMembers(reply)
	}
	return ""
}

// checkMembers compares HMGET, SMISMEMBER or ZMSCORE replies.
func (tk *typedKey) checkMembers(reply any) string {
	list, _ := reply.([]any)
	step := 2
	if tk.kind == kindSet {
		step = 1
	}
	if len(list)*step != len(tk.elems) {
		return "unexpected reply length"
	}
	for i, got := range list {
		member := tk.elems[i*step]
		switch tk.kind {
		case kindSet:
			if n, _ := got.(int64); n != 1 {
				return "member missing on the target"
			}
		case kindHash:
			if s, ok := got.(string); !ok || s != tk.elems[i*2+1] {
				return fmt.Sprintf("field %q differs", truncate(member))
			}
		case kindZSet:
			if !sameScore(got, tk.elems[i*2+1]) {
				return fmt.Sprintf("score of %q differs", truncate(member))
			}
		}
	}
	return ""
}

func sameScore(got any, want string) bool {
	s, ok := got.(string)
	if !ok {
		return false
	}
	a, errA := strconv.ParseFloat(s, 64)
	b, errB := strconv.ParseFloat(want, 64)
	return errA == nil && errB == nil && a == b
}

func stringList(reply any) []string {
	list, _ := reply.([]any)
	out := make([]string, len(list))
	for i, e := range list {
		out[i], _ = e.(string)
	}
	return out
}

func equalEntry(a, b entry) bool { return a.id == b.id && slices.Equal(a.fields, b.fields) }

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
