// Package local is rediskit's "local" backend: a Redis on this machine for
// development, run as a background process that outlives rediskit.
//
// Each redis block gets a folder .rediskit/local/NAME (mode 0700) beside the
// stack file holding redis.conf, data/, redis.pid and redis.log. The server is
// either the system's redis-server or an embedded miniredis started as
// `rediskit internal embedded-redis CONFIG` (see RunEmbedded). The generated
// password lives only in redis.conf: never on a command line, in Attrs, in
// errors or in logs.
package local
