package rediscopy

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc64"
	"strings"

	"github.com/redis/go-redis/v9"
)

// jones is Redis's CRC-64 ("Jones" polynomial, reflected), which ends every
// DUMP payload.
var jones = crc64.MakeTable(0x95ac9329ac4bc9b5)

// redisCRC64 is Redis's crc64(0, s): no initial or final inversion, which
// Go's crc64.Update applies, hence the complements.
func redisCRC64(s string) uint64 {
	return ^crc64.Update(^uint64(0), jones, []byte(s))
}

// payloadFooter is the 2-byte RDB version and the 8-byte CRC-64 after the
// serialized value.
const payloadFooter = 10

// genuinePayload tells a real DUMP payload from a server that answers DUMP
// with something else (miniredis returns the raw string).
func genuinePayload(p string) bool {
	if len(p) <= payloadFooter {
		return false
	}
	body := p[:len(p)-8]
	return binary.LittleEndian.Uint64([]byte(p[len(p)-8:])) == redisCRC64(body)
}

// probeRDBVersion is old enough for every Redis since 5.0 to accept.
const probeRDBVersion = 9

// stringPayload builds the DUMP payload of a short string value (< 64 bytes).
func stringPayload(v string) string {
	var b strings.Builder
	b.WriteByte(0) // RDB_TYPE_STRING
	b.WriteByte(byte(len(v)))
	b.WriteString(v)
	b.Write(binary.LittleEndian.AppendUint16(nil, probeRDBVersion))
	body := b.String()
	return body + string(binary.LittleEndian.AppendUint64(nil, redisCRC64(body)))
}

// hopelessPrefixes start the replies of a server that refuses writes
// altogether: copying by type would be refused as well.
var hopelessPrefixes = []string{
	"OOM", "READONLY", "MISCONF", "LOADING", "BUSY ", "MASTERDOWN", "NOREPLICAS",
	"NOAUTH", "WRONGPASS", "CLUSTERDOWN", "MOVED", "ASK", "TRYAGAIN", "EXECABORT",
}

// fallbackHelps tells whether a refused RESTORE (or DUMP) may succeed as a
// type-aware copy: a payload from another version, a missing or forbidden
// command, a module type, but not a full or read-only server.
func fallbackHelps(err error) bool {
	msg := err.Error()
	for _, p := range hopelessPrefixes {
		if strings.HasPrefix(msg, p) {
			return false
		}
	}
	return true
}

// probeTarget RESTOREs a payload built here into a scratch key and reads
// it back. A target that refuses it, or stores something else (a fake
// whose RESTORE keeps the payload as a string), is written by type from
// the start; a target that refuses writes stops the copy here.
func (c *copier) probeTarget(ctx context.Context) error {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce) // crypto/rand.Read does not fail on supported systems
	key := "rediskit:copy:probe:" + hex.EncodeToString(nonce)
	want := "rediskit-copy-probe-" + hex.EncodeToString(nonce)
	pipe := c.dst.client.Pipeline()
	restore := redis.NewStatusCmd(ctx, "restore", key, 60000, stringPayload(want), "replace")
	_ = pipe.Process(ctx, restore)
	got := pipe.Get(ctx, key)
	pipe.Del(ctx, key)
	if err := c.dst.exec(ctx, pipe, "RESTORE probe"); err != nil {
		return err
	}
	if err := restore.Err(); err != nil && !fallbackHelps(err) {
		return c.dst.failHint("RESTORE probe", fmt.Errorf("the target refuses writes: %w", err),
			"make sure the target is a primary with room to spare (maxmemory, plan limits), then copy again")
	}
	if restore.Err() != nil || got.Val() != want {
		c.typedOnly.Store(true)
	}
	return nil
}
