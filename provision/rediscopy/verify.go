package rediscopy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Verification is the outcome of comparing every source key with the
// target. Checked = Equal + Skipped + Mismatched.
type Verification struct {
	Checked    int64 // source keys compared
	Equal      int64
	Skipped    int64 // expired on the source while compared
	Mismatched int64 // missing on the target, or a different type, TTL or value
	// MismatchedKeys names the first MaxFailedKeys mismatched keys.
	MismatchedKeys []string
	// SourceKeys and TargetKeys are each side's DBSIZE afterwards; the
	// target may hold keys the source does not, which are not compared.
	SourceKeys, TargetKeys int64
	Bytes                  int64 // value bytes read from the source
	Elapsed                time.Duration
}

// ErrMismatch is wrapped by the error of Copy (with Options.Verify) and of
// Compare when a key differs; the Verification then says which.
var ErrMismatch = errors.New("target differs from source")

// ttlSlack is how far apart the two sides' TTLs may be.
const ttlSlack = 1000 // ms

// Compare checks that every key of from is on to with the same type, value
// and TTL (within a second), as Copy does with Options.Verify; only
// Options.Batch and the progress fields are used. Errors never contain a
// URL or password.
func Compare(ctx context.Context, from, to Endpoint, opts Options) (*Verification, error) {
	c, err := newCopier(from, to, opts)
	if err != nil {
		return nil, err
	}
	defer c.close()
	return c.verify(ctx)
}

// verifier is one verification pass.
type verifier struct {
	c      *copier
	res    *Verification
	reason string // first mismatch, for the error
}

// verify walks the source again and compares every key with the target.
func (c *copier) verify(ctx context.Context) (*Verification, error) {
	start := time.Now()
	v := &verifier{c: c, res: &Verification{}}
	total, err := c.src.dbsize(ctx)
	if err != nil {
		return v.res, err
	}
	prog := newProgress(PhaseVerify, c.opts, total)
	err = v.walk(ctx, prog)
	if err == nil {
		err = v.counts(ctx)
	}
	v.res.Elapsed = time.Since(start)
	if err == nil && v.res.Mismatched > 0 {
		err = fmt.Errorf("%w: %d of %d keys differ on the target (%s): %s; copy again, with the application stopped if it writes to the source",
			ErrMismatch, v.res.Mismatched, v.res.Checked, quoteKeys(v.res.MismatchedKeys), v.reason)
	}
	return v.res, err
}

// walk scans the source on one goroutine and compares batch by batch.
func (v *verifier) walk(ctx context.Context, prog *progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys := make(chan []string, 1)
	var scanErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(keys)
		scanErr = scanKeys(ctx, v.c.src, v.c.opts, keys)
	})
	var err error
	for batch := range keys {
		if err = v.batch(ctx, batch); err != nil {
			cancel()
			for range keys {
			}
			break
		}
		prog.update(v.res.Checked, v.res.Bytes, false)
	}
	wg.Wait()
	if err == nil {
		err = scanErr
	}
	prog.update(v.res.Checked, v.res.Bytes, true)
	return err
}

// counts records both sides' DBSIZE.
func (v *verifier) counts(ctx context.Context) error {
	var err error
	if v.res.SourceKeys, err = v.c.src.dbsize(ctx); err != nil {
		return err
	}
	v.res.TargetKeys, err = v.c.dst.dbsize(ctx)
	return err
}

// head is what both sides say about a key before comparing values.
type head struct {
	typ     string
	ttl     int64
	dump    string
	dumpErr error
	err     error
}

// batch compares keys: TYPE, PTTL and DUMP on both sides at once; equal
// genuine DUMP payloads settle a key, the others are compared by type.
func (v *verifier) batch(ctx context.Context, keys []string) error {
	var src, dst []head
	var srcErr, dstErr error
	var wg sync.WaitGroup
	wg.Go(func() { dst, dstErr = readHeads(ctx, v.c.dst, keys) })
	src, srcErr = readHeads(ctx, v.c.src, keys)
	wg.Wait()
	if err := errors.Join(srcErr, dstErr); err != nil {
		return err
	}
	var byType []*typedPair
	for i, k := range keys {
		v.res.Checked++
		if p := v.settle(k, src[i], dst[i]); p != nil {
			byType = append(byType, p)
		}
	}
	return v.compareTyped(ctx, byType)
}

// readHeads pipelines TYPE, PTTL and DUMP for keys on one side.
func readHeads(ctx context.Context, side *conn, keys []string) ([]head, error) {
	cmds := make([]redis.Cmder, 0, 3*len(keys))
	for _, k := range keys {
		cmds = append(cmds, redis.NewStatusCmd(ctx, "type", k), redis.NewIntCmd(ctx, "pttl", k), redis.NewStringCmd(ctx, "dump", k))
	}
	if err := side.run(ctx, cmds, "verification read"); err != nil {
		return nil, err
	}
	heads := make([]head, len(keys))
	for i := range keys {
		typ, pttl, dump := cmds[3*i].(*redis.StatusCmd), cmds[3*i+1].(*redis.IntCmd), cmds[3*i+2].(*redis.StringCmd)
		heads[i] = head{typ: typ.Val(), ttl: pttl.Val(), dump: dump.Val(),
			dumpErr: dump.Err(), err: firstErr(typ.Err(), pttl.Err())}
	}
	return heads, nil
}

// settle decides a key from its heads, or returns it for comparing by type.
func (v *verifier) settle(key string, s, d head) *typedPair {
	switch {
	case s.err != nil || d.err != nil:
		v.mismatch(key, fmt.Sprintf("TYPE/PTTL refused: %v", firstErr(s.err, d.err)))
	case s.typ == "none" || s.ttl == -2:
		v.res.Skipped++
	case d.typ == "none" || d.ttl == -2:
		if s.ttl >= 0 && s.ttl <= ttlSlack {
			v.res.Skipped++ // expired on the target a moment early
			return nil
		}
		v.mismatch(key, "missing on the target")
	case s.typ != d.typ:
		v.mismatch(key, fmt.Sprintf("a %s on the source, a %s on the target", s.typ, d.typ))
	case !ttlClose(s.ttl, d.ttl):
		v.mismatch(key, fmt.Sprintf("TTL %s on the source, %s on the target", ttlText(s.ttl), ttlText(d.ttl)))
	case s.dumpErr == nil && d.dumpErr == nil && s.dump == d.dump && genuinePayload(s.dump):
		v.res.Equal++
		v.res.Bytes += int64(len(s.dump))
	default:
		k, ok := kinds[s.typ]
		if !ok {
			v.mismatch(key, fmt.Sprintf("DUMP payloads differ and a %s cannot be compared by type", s.typ))
			return nil
		}
		return &typedPair{src: newKey(key, k, s.ttl)}
	}
	return nil
}

func ttlClose(a, b int64) bool {
	if a < 0 || b < 0 {
		return a == b
	}
	return max(a-b, b-a) <= ttlSlack
}

func ttlText(ms int64) string {
	if ms < 0 {
		return "none"
	}
	return (time.Duration(ms) * time.Millisecond).String()
}

func (v *verifier) mismatch(key, reason string) {
	v.res.Mismatched++
	if len(v.res.MismatchedKeys) < MaxFailedKeys {
		v.res.MismatchedKeys = append(v.res.MismatchedKeys, key)
	}
	if v.reason == "" {
		k := key
		if len(k) > 60 {
			k = k[:60] + "…"
		}
		v.reason = fmt.Sprintf("%q: %s", k, reason)
	}
}
