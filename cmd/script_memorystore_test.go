package cmd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/grpc/codes"

	"github.com/rediskit/rediskit/providers/dotenv"
	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/providers/tlsurl"
	"github.com/rediskit/rediskit/provision"
)

// msParent is where scripts' instances live: their stacks use project
// acme-prod and region us-central1.
const msParent = "projects/acme-prod/locations/us-central1"

// memorystoreFakes finds each script's fake on the script's Google
// endpoint (see googleFakes).
type memorystoreFakes struct {
	google *googleFakes
}

// newMemorystoreCmd returns the `memorystore` script command, which drives
// a fake Memorystore API (memorystoretest) running in the test process:
//
//	memorystore start [DELAY]            start a fake on 127.0.0.1 whose operations take DELAY
//	                                     (default 0); set REDISKIT_GCP_ENDPOINT for rediskit (on the
//	                                     Google fake `cloudrun start` started, if it did)
//	memorystore delay DELAY              operations take DELAY from now on, running ones too
//	memorystore fail METHOD CODE [COUNT] [skip=N] [lost]
//	                                     fail calls of METHOD with gRPC CODE (e.g. UNAVAILABLE);
//	                                     lost: the call takes effect, its answer is lost
//	memorystore fail-operation CODE MSG  the next operation ends in error
//	memorystore unreachable              new instances report a port where nothing listens
//	memorystore state ID STATE           set instance ID's state (MAINTENANCE, READY, ...)
//	memorystore add ID [TIER [GB]]       make a READY instance with AUTH and TLS out of band
//	memorystore calls METHOD N           the fake saw N calls of METHOD
//	memorystore count N                  the fake holds N instances
//	memorystore instance ID FIELD=VALUE... instance ID has these fields (memory_size_gb, tier,
//	                                     redis_version, auth_enabled, transit_encryption_mode)
//	memorystore wait-create              wait until a create was sent and its operation polled
//	memorystore nosecret FILE...         no AUTH string the fake ever handed out is in the files
//	memorystore probe FILE VAR           connect as an app would, with only the URL in VAR of
//	                                     the .env FILE, and pass the channel-layer probe
//
// calls, count and instance may be negated with !. ID is an instance id in
// projects/acme-prod/locations/us-central1.
func newMemorystoreCmd(google *googleFakes) func(ts *testscript.TestScript, neg bool, args []string) {
	m := &memorystoreFakes{google: google}
	return m.run
}

func (m *memorystoreFakes) run(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: memorystore start|delay|fail|fail-operation|unreachable|state|add|calls|count|instance|wait-create|nosecret|probe ARGS...")
	}
	sub, args := args[0], args[1:]
	if neg && sub != "calls" && sub != "count" && sub != "instance" {
		ts.Fatalf("memorystore %s cannot be negated", sub)
	}
	if sub == "start" {
		m.start(ts, args)
		return
	}
	fake := m.fake(ts)
	switch sub {
	case "delay":
		fake.SetDelay(msDuration(ts, args))
	case "fail":
		msFail(ts, fake, args)
	case "fail-operation":
		if len(args) != 2 {
			ts.Fatalf("usage: memorystore fail-operation CODE MSG")
		}
		fake.FailNextOperation(msCode(ts, args[0]), args[1])
	case "unreachable":
		fake.SetUnreachable(true)
	case "state":
		if len(args) != 2 {
			ts.Fatalf("usage: memorystore state ID STATE")
		}
		ts.Check(fake.SetState(msName(args[0]), redispb.Instance_State(msEnum(ts, redispb.Instance_State_value, args[1]))))
	case "add":
		msAdd(ts, fake, args)
	case "calls":
		if len(args) != 2 {
			ts.Fatalf("usage: memorystore calls METHOD N")
		}
		msExpect(ts, neg, "calls of "+args[0], fake.Calls(args[0]), msInt(ts, args[1]))
	case "count":
		if len(args) != 1 {
			ts.Fatalf("usage: memorystore count N")
		}
		msExpect(ts, neg, "instances", len(fake.Names()), msInt(ts, args[0]))
	case "instance":
		msInstance(ts, fake, neg, args)
	case "wait-create":
		msWaitCreate(ts, fake)
	case "nosecret":
		msNoSecret(ts, fake, args)
	case "probe":
		msProbe(ts, args)
	default:
		ts.Fatalf("unknown memorystore subcommand %q", sub)
	}
}

func (m *memorystoreFakes) start(ts *testscript.TestScript, args []string) {
	var delay time.Duration
	if len(args) > 0 {
		delay = msDuration(ts, args)
	}
	if srv, started := m.google.start(ts, delay); !started {
		srv.Memorystore.SetDelay(delay) // on the endpoint `cloudrun start` started
	}
}

func (m *memorystoreFakes) fake(ts *testscript.TestScript) *memorystoretest.Server {
	return m.google.must(ts, "memorystore").Memorystore
}

func msName(id string) string {
	if strings.HasPrefix(id, "projects/") {
		return id
	}
	return msParent + "/instances/" + id
}

func msFail(ts *testscript.TestScript, fake *memorystoretest.Server, args []string) {
	fake.Fail(msFault(ts, "memorystore", args))
}

// msFault parses `CMD fail`'s arguments; the Cloud Run fake takes the
// same faults.
func msFault(ts *testscript.TestScript, cmd string, args []string) memorystoretest.Fault {
	usage := "usage: " + cmd + " fail METHOD CODE [COUNT] [skip=N] [lost]"
	if len(args) < 2 {
		ts.Fatalf("%s", usage)
	}
	f := memorystoretest.Fault{Method: args[0], Code: msCode(ts, args[1])}
	for _, a := range args[2:] {
		switch key, value, _ := strings.Cut(a, "="); {
		case a == "lost":
			f.Lost = true
		case key == "skip":
			f.Skip = msInt(ts, value)
		case value == "":
			f.Count = msInt(ts, a)
		default:
			ts.Fatalf("%s", usage)
		}
	}
	return f
}

func msAdd(ts *testscript.TestScript, fake *memorystoretest.Server, args []string) {
	if len(args) < 1 || len(args) > 3 {
		ts.Fatalf("usage: memorystore add ID [TIER [GB]]")
	}
	inst := &redispb.Instance{Tier: redispb.Instance_BASIC, MemorySizeGb: 1, RedisVersion: "REDIS_7_2", AuthEnabled: true,
		TransitEncryptionMode: redispb.Instance_SERVER_AUTHENTICATION}
	if len(args) > 1 {
		inst.Tier = redispb.Instance_Tier(msEnum(ts, redispb.Instance_Tier_value, args[1]))
	}
	if len(args) > 2 {
		inst.MemorySizeGb = int32(msInt(ts, args[2]))
	}
	_, err := fake.AddInstance(msParent, args[0], inst)
	ts.Check(err)
}

// msInstance compares fields of an instance as the API reports them.
func msInstance(ts *testscript.TestScript, fake *memorystoretest.Server, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: memorystore instance ID FIELD=VALUE...")
	}
	inst, ok := fake.Instance(msName(args[0]))
	if !ok {
		ts.Fatalf("the fake has no instance %s", args[0])
	}
	fields := map[string]string{
		"memory_size_gb": strconv.Itoa(int(inst.GetMemorySizeGb())), "tier": inst.GetTier().String(),
		"redis_version": inst.GetRedisVersion(), "auth_enabled": strconv.FormatBool(inst.GetAuthEnabled()),
		"transit_encryption_mode": inst.GetTransitEncryptionMode().String(), "state": inst.GetState().String(),
		"authorized_network": inst.GetAuthorizedNetwork(), "labels": fmt.Sprint(inst.GetLabels()),
	}
	all := true
	for _, kv := range args[1:] {
		k, want, _ := strings.Cut(kv, "=")
		got, known := fields[k]
		if !known {
			ts.Fatalf("memorystore instance: unknown field %q", k)
		}
		if got != want {
			all = false
			if !neg {
				ts.Fatalf("instance %s: %s = %q, want %q", args[0], k, got, want)
			}
		}
	}
	if neg && all {
		ts.Fatalf("instance %s has %s", args[0], strings.Join(args[1:], " "))
	}
}

func msWaitCreate(ts *testscript.TestScript, fake *memorystoretest.Server) {
	// The operation is polled only after its name is recorded in state.
	for i := 0; i < 1500; i++ {
		if fake.Calls("CreateInstance") > 0 && fake.Calls("GetOperation") > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("no create was sent and polled within 30s")
}

func msNoSecret(ts *testscript.TestScript, fake *memorystoretest.Server, files []string) {
	secrets := fake.AuthStrings()
	if len(secrets) == 0 {
		ts.Fatalf("memorystore nosecret: the fake handed out no AUTH string yet, so this checks nothing")
	}
	for _, f := range files {
		text := ts.ReadFile(f)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				ts.Fatalf("%s contains an AUTH string", f)
			}
		}
	}
}

// msProbe connects the way redis-py does with the URL alone: it takes the
// CA bundle from the ssl_ca_certs parameter (which go-redis does not know,
// so the parameters of tlsurl are taken off for it), checks the chain
// without a host name as ssl_check_hostname=false asks, then runs
// rediskit's probe.
func msProbe(ts *testscript.TestScript, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: memorystore probe FILE VAR")
	}
	raw, ok := dotenv.Lookup([]byte(ts.ReadFile(args[0])), args[1])
	if !ok {
		ts.Fatalf("%s does not set %s", args[0], args[1])
	}
	u, err := url.Parse(raw)
	if err != nil {
		ts.Fatalf("%s in %s is not a URL", args[1], args[0])
	}
	q := u.Query()
	caFile := q.Get(tlsurl.ParamCAFile)
	if q.Get(tlsurl.ParamCertReqs) != "required" || q.Get(tlsurl.ParamCheckHostname) != "false" {
		ts.Fatalf("%s in %s does not ask redis-py to check the chain and not the IP address's name", args[1], args[0])
	}
	for _, p := range []string{tlsurl.ParamCAFile, tlsurl.ParamCertReqs, tlsurl.ParamCheckHostname} {
		q.Del(p)
	}
	u.RawQuery = q.Encode()
	inst := &provision.Instance{URL: u.String(), Private: true}
	if caFile != "" {
		info, err := os.Stat(caFile)
		ts.Check(err)
		if info.Mode().Perm() != 0o600 {
			ts.Fatalf("%s has mode %v, want 0600", caFile, info.Mode().Perm())
		}
		inst.CACert, err = os.ReadFile(caFile)
		ts.Check(err)
	}
	res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true, PubSub: true})
	if !res.Passed {
		ts.Fatalf("probe with the URL in %s: %s", args[0], res.Summary())
	}
	ts.Logf("%s", res.Summary())
}

func msExpect(ts *testscript.TestScript, neg bool, what string, got, want int) {
	if (got == want) == neg {
		ts.Fatalf("the fake has %d %s; want %s%d", got, what, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func msCode(ts *testscript.TestScript, name string) codes.Code {
	var c codes.Code
	if err := c.UnmarshalJSON([]byte(`"` + strings.ToUpper(name) + `"`)); err != nil {
		ts.Fatalf("unknown gRPC code %q", name)
	}
	return c
}

func msEnum(ts *testscript.TestScript, values map[string]int32, name string) int32 {
	v, ok := values[strings.ToUpper(name)]
	if !ok {
		ts.Fatalf("unknown value %q", name)
	}
	return v
}

func msInt(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("%q is not a number", s)
	}
	return n
}

func msDuration(ts *testscript.TestScript, args []string) time.Duration {
	if len(args) != 1 {
		ts.Fatalf("want one duration, such as 2s")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("%q is not a duration", args[0])
	}
	return d
}
