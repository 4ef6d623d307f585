package rediscopy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/provision"
)

// ioTimeout bounds one pipeline's network round trip; a big batch of big
// payloads on a slow link needs more than go-redis's 3 s default.
const ioTimeout = 60 * time.Second

// conn is one side of the copy with what is safe to say about it.
type conn struct {
	client  *redis.Client
	role    string   // "source" or "target"
	addr    string   // host:port, safe to print
	secrets []string // scrubbed from every message
	tls     bool
}

// minSecretLen is the shortest password scrubbed from messages: a shorter
// one would mangle ordinary words (and so reveal itself) where it cannot
// plausibly come from anyway, since no reply echoes a password.
const minSecretLen = 6

func secrets(url, password string) []string {
	if len(password) < minSecretLen {
		return []string{url}
	}
	return []string{url, password}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// dial builds a client for ep; it does not connect yet. retries is
// go-redis's MaxRetries: the target gets none, since a replayed pipeline of
// RPUSH chunks would duplicate elements.
func dial(ep Endpoint, role string, pool, retries int) (*conn, error) {
	opt, err := redis.ParseURL(ep.URL)
	if err != nil {
		// url.Parse errors quote the whole URL, password included.
		return nil, fmt.Errorf("the %s URL is not a valid redis:// or rediss:// URL; check it (`rediskit output` shows it masked)", role)
	}
	c := &conn{role: role, addr: opt.Addr, secrets: secrets(ep.URL, opt.Password), tls: opt.TLSConfig != nil}
	if c.tls {
		if opt.TLSConfig, err = provision.TLSConfig(opt.TLSConfig, ep.CACert, role); err != nil {
			return nil, err
		}
	}
	// RESP2 and no identity: no CLIENT SETINFO, which Upstash would bill.
	opt.Protocol, opt.DisableIdentity, opt.ClientName = 2, true, ""
	opt.MaxRetries, opt.DialerRetries = retries, 2
	opt.ReadTimeout, opt.WriteTimeout, opt.ContextTimeoutEnabled = ioTimeout, ioTimeout, true
	opt.PoolSize, opt.MinIdleConns, opt.PipelinePoolSize = pool, 0, pool
	c.client = redis.NewClient(opt)
	return c, nil
}

func (c *conn) close() { _ = c.client.Close() }

// dbsize returns the number of keys in the selected database.
func (c *conn) dbsize(ctx context.Context) (int64, error) {
	n, err := c.client.DBSize(ctx).Result()
	if err != nil {
		return 0, c.fail("DBSIZE", err)
	}
	return n, nil
}

// fail explains an error that stops the copy, with its cause kept for
// errors.Is (context.Canceled) and every secret scrubbed from the message.
func (c *conn) fail(doing string, err error) error {
	return c.failHint(doing, err, "check that the "+c.role+" is reachable from here and that the URL's password is current, then copy again (keys already copied are replaced)")
}

// failHint is fail with the next step to suggest when the cause is neither
// an interruption nor a certificate.
func (c *conn) failHint(doing string, err error, hint string) error {
	switch {
	case errors.Is(err, context.Canceled):
		hint = "the copy was interrupted; run it again to finish (keys already copied are replaced)"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		hint = "no answer in time; check that this machine may reach the " + c.role + " (firewall, IP allow-list, VPC)"
		if c.tls {
			hint += "; a server that does not speak TLS also stays silent to rediss://"
		}
	}
	var verr *x509.UnknownAuthorityError
	var herr x509.HostnameError
	var cerr *tls.CertificateVerificationError
	if errors.As(err, &verr) || errors.As(err, &herr) || errors.As(err, &cerr) {
		hint = "the " + c.role + "'s TLS certificate was not accepted; if the provider signs with its own CA, add it to SSL_CERT_FILE (rediskit never turns certificate checks off)"
	}
	msg := fmt.Sprintf("%s on the %s (%s): %s; %s", doing, c.role, c.addr, shortReply(err.Error()), hint)
	return &copyError{msg: scrub(msg, c.secrets), err: err}
}

// copyError carries a scrubbed message and keeps the cause for errors.Is.
type copyError struct {
	msg string
	err error
}

func (e *copyError) Error() string { return e.msg }
func (e *copyError) Unwrap() error { return e.err }

// scrub replaces every non-empty secret in msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "****")
		}
	}
	return msg
}

// shortReply drops the echo of the arguments from Redis's unknown-command
// reply, which would quote a key's payload.
func shortReply(msg string) string {
	before, _, _ := strings.Cut(msg, ", with args beginning with")
	return before
}

// isRedisReply tells a Redis error reply (the command was refused, the
// connection is fine) from a network or context error.
func isRedisReply(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}

// transportError returns the first error among cmds that is not a Redis
// reply: the pipeline as a whole failed.
func transportError(cmds []redis.Cmder) error {
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && err != redis.Nil && !isRedisReply(err) {
			return err
		}
	}
	return nil
}

// run sends cmds in one pipeline (queued in one append, rather than one
// by one) and returns only an error that stopped it as a whole.
func (c *conn) run(ctx context.Context, cmds []redis.Cmder, doing string) error {
	if len(cmds) == 0 {
		return nil
	}
	pipe := c.client.Pipeline()
	_ = pipe.BatchProcess(ctx, cmds...)
	return c.exec(ctx, pipe, doing)
}

// exec runs a pipeline and returns only an error that stopped it as a whole;
// each command keeps its own reply error.
func (c *conn) exec(ctx context.Context, pipe redis.Pipeliner, doing string) error {
	cmds, err := pipe.Exec(ctx)
	if terr := transportError(cmds); terr != nil {
		return c.fail(doing, terr)
	}
	if err != nil && !slices.ContainsFunc(cmds, func(cmd redis.Cmder) bool { return cmd.Err() == err }) {
		// The connection failed to start (AUTH refused): go-redis leaves
		// the commands without an error of their own.
		return c.fail(doing, err)
	}
	if err := ctx.Err(); err != nil {
		return c.fail(doing, err)
	}
	return nil
}
