package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// VerifyOptions chooses what Verify checks beyond PING and latency.
type VerifyOptions struct {
	// Channels runs the channel-layer probe (stacks default it to true).
	Channels bool
	// PubSub also checks that a PUBLISH reaches a SUBSCRIBE on a second
	// connection.
	PubSub bool
	// Timeout bounds the whole verification; 0 means DefaultVerifyTimeout.
	Timeout time.Duration
}

// DefaultVerifyTimeout bounds a verification when VerifyOptions.Timeout is 0.
const DefaultVerifyTimeout = 15 * time.Second

// PrivateDialTimeout bounds connecting to an Instance.Private backend: from
// outside its network a private address usually never answers, and that
// is an expected outcome, not one worth waiting the whole timeout for.
const PrivateDialTimeout = 3 * time.Second

// Failure kinds reported in VerifyResult.Failure.
const (
	FailureAuth    = "auth"    // the password in the URL was refused
	FailureTLS     = "tls"     // handshake or certificate check failed
	FailureRefused = "refused" // nothing listens at the host and port
	FailureTimeout = "timeout" // no answer in time
	FailureCommand = "command" // the server refused or mangled a probe command
	FailureConnect = "connect" // anything else on the way to a connection
)

// CheckResult is one check of a verification.
type CheckResult struct {
	Name   string `json:"name"` // "ping", "channels", "pubsub" or "latency"
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// VerifyResult is the outcome of Verify. It never holds a secret.
type VerifyResult struct {
	Passed bool `json:"passed"`
	// Unreachable means the backend is only reachable from its private
	// network (Instance.Unreachable, an Instance.Private backend that could
	// not be connected to, or a private address that did not answer at TCP
	// level): neither passed nor failed.
	Unreachable bool `json:"unreachable,omitempty"`
	// BackendStatus is the provider's Instance.Status, reported with an
	// unreachable result so that one can see whether the backend is up.
	BackendStatus string        `json:"backend_status,omitempty"`
	Checks        []CheckResult `json:"checks"`
	LatencyMedian time.Duration `json:"latency_median_ns,omitempty"`
	LatencyWorst  time.Duration `json:"latency_worst_ns,omitempty"`
	// BillableCommands counts what Upstash bills of what the probe sent:
	// each command inside the script and the EVAL itself; HELLO, AUTH and
	// PING are free.
	BillableCommands int `json:"billable_commands"`
	// Failure is "" or one of the Failure* kinds.
	Failure string `json:"failure,omitempty"`
	// Err says what failed and what to do; never a password or full URL.
	Err error `json:"-"`
}

// Verify checks over the connection the app will use (TLS with certificate
// and host name checks for rediss://, password sent with AUTH) that inst
// serves a Django Channels layer, as spec §8 defines. It stops at the first
// failing check. It never returns nil.
func Verify(ctx context.Context, inst *Instance, opts VerifyOptions) *VerifyResult {
	res := &VerifyResult{}
	if inst == nil {
		res.Failure, res.Err = FailureConnect, errors.New("there is no backend instance to verify; run `rediskit plan` to see what state holds")
		return res
	}
	if inst.Unreachable {
		res.Unreachable, res.BackendStatus = true, inst.Status
		return res
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultVerifyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	v, err := newVerifier(inst, opts.Timeout, res)
	if err != nil {
		res.Failure, res.Err = FailureConnect, err
		return res
	}
	defer v.client.Close()
	steps := []func(context.Context) error{v.ping, v.latency}
	if opts.Channels {
		steps = append(steps, v.channels)
	}
	if opts.PubSub {
		steps = append(steps, v.pubsub)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			if v.fail(err); res.Unreachable {
				res.BackendStatus = inst.Status
			}
			return res
		}
	}
	res.Passed = true
	return res
}

// Summary is one human line about the result, e.g. "verified: PING ok,
// channel layer ok, pub/sub skipped, latency median 0.3ms worst 0.9ms,
// 8 billable commands".
func (r *VerifyResult) Summary() string {
	switch {
	case r.Unreachable && r.BackendStatus != "":
		return "not reachable from here: the backend only accepts connections from its private network (VPC) and its provider reports it " + r.BackendStatus + ", so the targets' own health is checked instead"
	case r.Unreachable:
		return "not reachable from here: the backend only accepts connections from its private network (VPC), so the targets' own health is checked instead"
	case !r.Passed && r.Err != nil:
		return "not verified (" + r.Failure + "): " + r.Err.Error()
	case !r.Passed:
		return "not verified"
	}
	state := map[bool]string{true: "ok", false: "skipped"}
	ran := map[string]bool{}
	for _, c := range r.Checks {
		ran[c.Name] = c.Passed
	}
	return fmt.Sprintf("verified: PING ok, channel layer %s, pub/sub %s, latency median %s worst %s, %d billable commands",
		state[ran["channels"]], state[ran["pubsub"]], formatMS(r.LatencyMedian), formatMS(r.LatencyWorst), r.BillableCommands)
}

func formatMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 0.1 {
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
}
