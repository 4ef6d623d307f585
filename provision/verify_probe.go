package provision

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// latencyPings is how many PINGs the latency figures are taken from.
const latencyPings = 5

// probeScript does, in one EVAL, what channels_redis does to send a message:
// trim expired entries, check capacity, add, set the expiry, then read back
// and delete a scratch key. The expiry also cleans up if BZPOPMIN never runs.
const probeScript = `
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - 60)
if redis.call('ZCOUNT', KEYS[1], '-inf', '+inf') >= 100 then
  return redis.error_reply('ERR probe channel over capacity')
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('EXPIRE', KEYS[1], 60)
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
redis.call('DEL', KEYS[2])
return first[1]
`

// probeScriptCommands is the number of redis.call lines in probeScript that
// run on success.
const probeScriptCommands = 6

// verifier holds one verification's connection and names.
type verifier struct {
	client  *redis.Client
	res     *VerifyResult
	addr    string   // host:port, safe to print
	host    string   // host without port
	secrets []string // scrubbed from every message
	timeout time.Duration
	tls     bool   // rediss://
	private bool   // Instance.Private
	key     string // probe key; KEYS[2] and the channel derive from it
	payload string
	check   string // the CheckResult name of the check running now
	doing   string // what it is doing, for messages: "PING", "pub/sub probe (PUBLISH)"
}

func newVerifier(inst *Instance, timeout time.Duration, res *VerifyResult) (*verifier, error) {
	opt, err := redis.ParseURL(inst.URL)
	if err != nil {
		// url.Parse errors quote the whole URL, password included.
		return nil, errors.New("the URL is not a valid redis:// or rediss:// URL; check the backend's URL (shown masked by `rediskit output`)")
	}
	nonce := randomNonce()
	v := &verifier{
		res: res, addr: opt.Addr, timeout: timeout, private: inst.Private,
		secrets: []string{inst.URL, opt.Password},
		key:     "rediskit:verify:{" + nonce + "}", // one hash slot for clusters
		payload: "rediskit-probe-" + nonce,
	}
	v.host, _, _ = net.SplitHostPort(opt.Addr)
	if v.tls = opt.TLSConfig != nil; v.tls {
		if inst.Private && len(inst.CACert) > 0 {
			opt.TLSConfig, err = chainOnlyTLSConfig(inst.CACert)
		} else {
			opt.TLSConfig, err = TLSConfig(opt.TLSConfig, inst.CACert, "backend")
		}
		if err != nil {
			return nil, err
		}
	}
	// RESP2 and no identity: no CLIENT SETINFO or SETNAME, which Upstash
	// would bill. go-redis still sends HELLO 2 (free) to authenticate.
	opt.Protocol, opt.DisableIdentity, opt.ClientName = 2, true, ""
	// A retried EVAL would run the probe twice; the engine retries instead.
	opt.MaxRetries, opt.DialerRetries = -1, 1
	opt.DialTimeout, opt.ContextTimeoutEnabled = timeout, true
	if inst.Private {
		opt.DialTimeout = min(timeout, PrivateDialTimeout)
	}
	opt.PoolSize, opt.MinIdleConns = 1, 0
	v.client = redis.NewClient(opt)
	return v, nil
}

// TLSConfig is the TLS configuration of every connection rediskit makes to
// a Redis (verification, data copies): it keeps ParseURL's ServerName,
// forces certificate and host name checks on (a skip_verify=true in the
// URL is ignored), requires TLS 1.2 or later and trusts caPEM besides the
// system roots (which honour SSL_CERT_FILE). role names the server in an
// error ("backend", "source").
func TLSConfig(base *tls.Config, caPEM []byte, role string) (*tls.Config, error) {
	conf := base.Clone()
	conf.InsecureSkipVerify = false
	conf.MinVersion = tls.VersionTLS12
	if len(caPEM) == 0 {
		return conf, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("the %s's CA certificate is not valid PEM, which is a rediskit bug: please report it; meanwhile put the provider's CA in SSL_CERT_FILE", role)
	}
	conf.RootCAs = pool
	return conf, nil
}

func randomNonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported systems
	return hex.EncodeToString(b)
}

func (v *verifier) ping(ctx context.Context) error {
	v.check, v.doing = "ping", "PING"
	if err := v.client.Ping(ctx).Err(); err != nil {
		return err
	}
	v.pass("ping", "PONG from "+v.addr)
	return nil
}

func (v *verifier) latency(ctx context.Context) error {
	v.check, v.doing = "latency", "latency PING"
	rtts := make([]time.Duration, 0, latencyPings)
	for range latencyPings {
		start := time.Now()
		if err := v.client.Ping(ctx).Err(); err != nil {
			return err
		}
		rtts = append(rtts, time.Since(start))
	}
	slices.Sort(rtts)
	v.res.LatencyMedian, v.res.LatencyWorst = rtts[len(rtts)/2], rtts[len(rtts)-1]
	v.pass("latency", "median "+formatMS(v.res.LatencyMedian)+" worst "+formatMS(v.res.LatencyWorst))
	return nil
}

// channels runs the probe script, then pops its entry with BZPOPMIN, which
// also removes the emptied key.
func (v *verifier) channels(ctx context.Context) error {
	v.check, v.doing = "channels", "channel-layer probe (EVAL)"
	v.res.BillableCommands++
	now := strconv.FormatInt(time.Now().Unix(), 10)
	got, err := v.client.Eval(ctx, probeScript, []string{v.key, v.key + ":scratch"}, v.payload, now).Text()
	if err != nil {
		return err
	}
	v.res.BillableCommands += probeScriptCommands
	if got != v.payload {
		return commandError(fmt.Sprintf("EVAL returned %q instead of the probe's payload", got))
	}
	v.check, v.doing = "channels", "channel-layer probe (BZPOPMIN)"
	v.res.BillableCommands++
	popped, err := v.client.BZPopMin(ctx, time.Second, v.key).Result()
	if err != nil {
		return err
	}
	if popped.Member != v.payload {
		return commandError(fmt.Sprintf("BZPOPMIN returned %q instead of the probe's payload", popped.Member))
	}
	v.pass("channels", "EVAL with sorted sets and expiry, then BZPOPMIN")
	return nil
}

// pubsub subscribes on a second connection and publishes on the first.
func (v *verifier) pubsub(ctx context.Context) error {
	v.check, v.doing = "pubsub", "pub/sub probe (SUBSCRIBE)"
	channel := v.key + ":pubsub"
	v.res.BillableCommands++
	sub := v.client.Subscribe(ctx, channel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		return err
	}
	v.check, v.doing = "pubsub", "pub/sub probe (PUBLISH)"
	v.res.BillableCommands++
	n, err := v.client.Publish(ctx, channel, v.payload).Result()
	if err != nil {
		return err
	}
	if n != 1 {
		return commandError(fmt.Sprintf("PUBLISH reached %d subscribers instead of 1", n))
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil {
		return err
	}
	if msg.Payload != v.payload {
		return commandError(fmt.Sprintf("the subscriber received %q instead of the probe's payload", msg.Payload))
	}
	v.pass("pubsub", "PUBLISH reached SUBSCRIBE on a second connection")
	return nil
}

func (v *verifier) pass(name, detail string) {
	v.res.Checks = append(v.res.Checks, CheckResult{Name: name, Passed: true, Detail: detail})
}
