// Package rediscopy copies every key of one Redis database, with its
// remaining time to live, into another: the data half of
// `rediskit migrate --copy-data`.
//
// # How a copy runs
//
// Three stages overlap on goroutines joined by channels that hold one batch
// each, so that at most five batches of values are in memory at once:
//
//  1. SCAN walks the source in batches of Options.Batch keys.
//  2. Two readers each send one pipeline per batch with PTTL and DUMP for
//     every key to the source.
//  3. Two writers each send one pipeline per batch with RESTORE key ttl
//     payload REPLACE for every key to the target, the TTL being what is
//     left of the one read.
//
// Pairs of readers and writers keep each server busy while the other
// goroutine waits for its replies or parses them.
//
// When the target refuses a payload (a different Redis version's format, a
// server without DUMP/RESTORE, an ACL that denies RESTORE) or the source's
// DUMP is not a genuine Redis payload, the key is copied by type instead:
// strings, hashes, lists, sets, sorted sets and streams are read in chunks
// (GETRANGE, HSCAN, LRANGE, SSCAN, ZSCAN, XRANGE) and written with their
// ordinary write commands, then PEXPIRE restores the remaining TTL. When a
// whole batch had to fall back, the rest of the copy is done by type.
// Before the first batch a probe RESTOREs a payload built here into a
// scratch key and reads it back, so a target whose RESTORE accepts but
// mangles payloads is caught before it stores a single key.
//
// # What a copy is
//
// A copy is a snapshot taken key by key: keys written to the source while
// it runs may or may not be copied, in their old or new state. Copy it
// while the application is stopped or still writing to the old backend
// only data it can lose (caches, channel layers). Keys that expire between
// SCAN and DUMP are counted as skipped; a key that cannot be copied is
// counted as failed, named in Result.FailedKeys, and makes Copy return an
// error wrapping ErrIncomplete. Re-running a copy is safe: every key is
// replaced whole.
//
// In the type-aware path a stream keeps its entries, its last ID and its
// consumer groups' last-delivered IDs, but not their pending entries or
// consumers; hash-field expiry (Redis 7.4) is lost. The DUMP/RESTORE path
// keeps everything.
//
// # Verification
//
// With Options.Verify, Copy walks the source again after the copy and
// compares every key (not a sample: a copy must never report success with
// a key missing) with the target: type, TTL within a second, and value.
// Equal DUMP payloads settle a key at once; otherwise the value is compared
// by type, chunk by chunk: sets and hashes by members, sorted sets by
// member and score, lists, strings and streams by position, plus their
// lengths. DUMP bytes of equal sets can differ, hence the fallback.
//
// Memory is bounded by the batches in flight (about three) plus one chunk
// of a big value; a DUMP payload is held whole, since RESTORE needs it
// whole. Clusters are not supported: the source and target must each be a
// single Redis (Upstash, Memorystore Basic/Standard, redis-server).
package rediscopy
