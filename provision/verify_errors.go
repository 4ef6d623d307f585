package provision

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// commandError is a probe reply that was not an error but was wrong.
type commandError string

func (e commandError) Error() string { return string(e) }

// fail classifies err and records it as the result's failure.
func (v *verifier) fail(err error) {
	kind := classifyVerifyError(err)
	if (kind == FailureTimeout || kind == FailureConnect) && privateDialFailure(v.host, err) ||
		v.private && (kind == FailureTimeout || kind == FailureConnect || kind == FailureRefused) && isDialError(err) {
		v.res.Unreachable = true
		return
	}
	detail := scrub(shortReply(err.Error()), v.secrets)
	v.res.Checks = append(v.res.Checks, CheckResult{Name: v.check, Detail: detail})
	v.res.Failure = kind
	msg := v.explain(kind, detail)
	if errors.Is(err, context.Canceled) {
		msg = v.doing + " on " + v.addr + ": interrupted; run `rediskit verify` to check again"
	}
	v.res.Err = &verifyError{msg: scrub(msg, v.secrets), err: err}
}

// shortReply drops the echo of the arguments from Redis's unknown-command
// reply, which would quote the whole probe script.
func shortReply(msg string) string {
	before, _, _ := strings.Cut(msg, ", with args beginning with")
	return before
}

// explain says what failed and what to do about it.
func (v *verifier) explain(kind, detail string) string {
	where := v.doing + " on " + v.addr
	switch kind {
	case FailureAuth:
		return where + ": the server refused the password in the URL (" + detail + "); check the password, or take the current URL from the provider's console"
	case FailureTLS:
		return where + ": TLS failed (" + detail + "); if the provider signs with its own CA, add it to SSL_CERT_FILE (rediskit never turns certificate checks off)"
	case FailureRefused:
		return where + ": connection refused; check the host and port in the URL and that the database is running"
	case FailureTimeout:
		hint := "check that this machine may reach it (firewall, IP allow-list, VPC) and try again"
		if v.tls {
			hint += "; a server that does not speak TLS also stays silent to rediss://"
		}
		return where + ": no answer within " + v.timeout.String() + "; " + hint
	case FailureCommand:
		return where + " failed (" + detail + "); channels_redis needs Redis >= 5 with Lua scripting (EVAL), BZPOPMIN and pub/sub allowed: use a server or plan that allows them"
	}
	return where + ": " + detail + "; check the URL's host, port and scheme (rediss:// for TLS)"
}

// verifyError carries a scrubbed message and keeps the cause for errors.Is
// (context.Canceled when the run was interrupted).
type verifyError struct {
	msg string
	err error
}

func (e *verifyError) Error() string { return e.msg }
func (e *verifyError) Unwrap() error { return e.err }

// classifyVerifyError maps an error from go-redis to a Failure kind.
func classifyVerifyError(err error) string {
	var netErr net.Error
	var redisErr redis.Error
	var cmdErr commandError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return FailureTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return FailureRefused
	case isTLSError(err):
		return FailureTLS
	case errors.As(err, &redisErr) && isAuthReply(redisErr.Error()):
		return FailureAuth
	case errors.As(err, &redisErr), errors.As(err, &cmdErr), errors.Is(err, redis.Nil):
		return FailureCommand
	}
	return FailureConnect
}

func isAuthReply(msg string) bool {
	for _, prefix := range []string{"WRONGPASS", "NOAUTH", "ERR invalid password", "ERR AUTH", "ERR Client sent AUTH"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func isTLSError(err error) bool {
	var (
		verifyErr *tls.CertificateVerificationError
		headerErr tls.RecordHeaderError
		alertErr  tls.AlertError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	return errors.As(err, &verifyErr) || errors.As(err, &headerErr) || errors.As(err, &alertErr) ||
		errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		strings.Contains(err.Error(), "tls: ") || strings.Contains(err.Error(), "x509: ")
}

// privateDialFailure reports a dial to a private address that timed out or
// found no route: a VPC-only backend seen from outside its network.
func privateDialFailure(host string, err error) bool {
	addr, perr := netip.ParseAddr(host)
	if perr != nil || !addr.IsPrivate() {
		return false
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		return false
	}
	return opErr.Timeout() || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// isDialError reports whether err happened while opening the connection,
// before any byte was exchanged.
func isDialError(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// scrub replaces every secret in s, the full URL first, with Masked.
func scrub(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Masked)
		}
	}
	return s
}
