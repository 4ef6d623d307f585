package rediscopy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// entry is one stream entry with its fields in order (go-redis's XMessage
// keeps them in a map, which loses the order).
type entry struct {
	id     string
	fields []string // field, value, …
}

// streamState is what the type-aware path tracks for a stream.
type streamState struct {
	nextID             string  // XRANGE start of the next chunk
	entries            []entry // the chunk
	info               *streamInfo
	infoCmd, groupsCmd *redis.Cmd // pending XINFO, first chunk only
	lastOut            string     // ID of the last entry written
}

// streamInfo is what a stream holds besides its entries.
type streamInfo struct {
	lastID string  // last-generated-id
	groups []group // consumer groups
}

type group struct{ name, lastDelivered string }

// tempGroup creates an empty stream on the target when the source's has
// no group to create it with.
const tempGroup = "rediskit-copy-mkstream"

// queueInfo appends XINFO STREAM and GROUPS before the first chunk.
func (s *streamState) queueInfo(ctx context.Context, key string, cmds []redis.Cmder) []redis.Cmder {
	if s.info != nil {
		return cmds
	}
	s.infoCmd = redis.NewCmd(ctx, "xinfo", "stream", key)
	s.groupsCmd = redis.NewCmd(ctx, "xinfo", "groups", key)
	return append(cmds, s.infoCmd, s.groupsCmd)
}

// takeStreamRead parses XRANGE (and, on the first chunk, XINFO).
func (tk *typedKey) takeStreamRead(cmd *redis.Cmd) {
	s := tk.stream
	if s.info == nil {
		if err := s.infoCmd.Err(); err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "no such key") {
				tk.state = stateGone
				return
			}
			tk.fail(err)
			return
		}
		info, err := parseStreamInfo(s.infoCmd.Val(), s.groupsCmd)
		if err != nil {
			tk.fail(err)
			return
		}
		s.info, s.infoCmd, s.groupsCmd = info, nil, nil
	}
	entries, err := parseEntries(cmd.Val())
	if err != nil {
		tk.fail(err)
		return
	}
	s.entries = entries
	tk.done = len(entries) < elemChunk
	if n := len(entries); n > 0 {
		s.nextID = nextID(entries[n-1].id)
	}
	for _, e := range entries {
		tk.bytes += int64(len(e.id))
		for _, f := range e.fields {
			tk.bytes += int64(len(f))
		}
	}
}

// parseStreamInfo reads XINFO STREAM and XINFO GROUPS (RESP2 flat lists).
func parseStreamInfo(raw any, groupsCmd *redis.Cmd) (*streamInfo, error) {
	m, err := flatMap(raw)
	if err != nil {
		return nil, fmt.Errorf("XINFO STREAM: %w", err)
	}
	info := &streamInfo{}
	info.lastID, _ = m["last-generated-id"].(string)
	if err := groupsCmd.Err(); err != nil {
		return nil, fmt.Errorf("XINFO GROUPS: %w", err)
	}
	list, _ := groupsCmd.Val().([]any)
	for _, g := range list {
		gm, err := flatMap(g)
		if err != nil {
			return nil, fmt.Errorf("XINFO GROUPS: %w", err)
		}
		name, _ := gm["name"].(string)
		last, _ := gm["last-delivered-id"].(string)
		info.groups = append(info.groups, group{name: name, lastDelivered: last})
	}
	return info, nil
}

// flatMap turns a RESP2 [k1, v1, k2, v2…] reply into a map.
func flatMap(raw any) (map[string]any, error) {
	list, ok := raw.([]any)
	if !ok || len(list)%2 != 0 {
		return nil, errors.New("unexpected reply shape")
	}
	m := make(map[string]any, len(list)/2)
	for i := 0; i < len(list); i += 2 {
		k, _ := list[i].(string)
		m[k] = list[i+1]
	}
	return m, nil
}

// parseEntries reads an XRANGE reply: [[id, [f, v, …]], …].
func parseEntries(raw any) ([]entry, error) {
	list, ok := raw.([]any)
	if !ok && raw != nil {
		return nil, errors.New("XRANGE: unexpected reply shape")
	}
	entries := make([]entry, 0, len(list))
	for _, e := range list {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, errors.New("XRANGE: unexpected entry shape")
		}
		id, _ := pair[0].(string)
		raw, _ := pair[1].([]any)
		fields := make([]string, len(raw))
		for i, f := range raw {
			fields[i], _ = f.(string)
		}
		entries = append(entries, entry{id: id, fields: fields})
	}
	return entries, nil
}

// nextID is the smallest stream ID after id ("ms-seq"), for an XRANGE
// start that excludes id on servers older than 6.2's "(" syntax.
func nextID(id string) string {
	msPart, seqPart, _ := strings.Cut(id, "-")
	ms, _ := strconv.ParseUint(msPart, 10, 64)
	seq, _ := strconv.ParseUint(seqPart, 10, 64)
	if seq == ^uint64(0) {
		return strconv.FormatUint(ms+1, 10) + "-0"
	}
	return msPart + "-" + strconv.FormatUint(seq+1, 10)
}

// queueStreamWrite appends one XADD per entry of the chunk and, after the
// last chunk, what the stream holds besides entries.
func (tk *typedKey) queueStreamWrite(ctx context.Context, cmds []redis.Cmder) []redis.Cmder {
	s := tk.stream
	for _, e := range s.entries {
		args := make([]any, 0, 3+len(e.fields))
		args = append(args, "xadd", tk.key, e.id)
		for _, f := range e.fields {
			args = append(args, f)
		}
		cmds = append(cmds, redis.NewStringCmd(ctx, args...))
		s.lastOut = e.id
	}
	if tk.done {
		cmds = s.queueFinish(ctx, tk.key, cmds)
	}
	return cmds
}

// queueFinish recreates an empty stream, the last ID and the consumer
// groups (without their pending entries).
func (s *streamState) queueFinish(ctx context.Context, key string, cmds []redis.Cmder) []redis.Cmder {
	groups := s.info.groups
	if s.lastOut == "" { // no entries: only XGROUP CREATE … MKSTREAM makes an empty stream
		if len(groups) > 0 {
			cmds = append(cmds, redis.NewCmd(ctx, "xgroup", "create", key, groups[0].name, groups[0].lastDelivered, "mkstream"))
			groups = groups[1:]
		} else {
			cmds = append(cmds, redis.NewCmd(ctx, "xgroup", "create", key, tempGroup, "0", "mkstream"),
				redis.NewCmd(ctx, "xgroup", "destroy", key, tempGroup))
		}
	}
	if s.info.lastID != "" && s.info.lastID != s.lastOut {
		cmds = append(cmds, redis.NewCmd(ctx, "xsetid", key, s.info.lastID))
	}
	for _, g := range groups {
		cmds = append(cmds, redis.NewCmd(ctx, "xgroup", "create", key, g.name, g.lastDelivered))
	}
	return cmds
}
