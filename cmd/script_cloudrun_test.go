package cmd

import (
	"bytes"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/rediskit/rediskit/internal/redistest"
	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
)

// crParent is where scripts' services live: their stacks use project
// acme-prod and region us-central1.
const crParent = "projects/acme-prod/locations/us-central1"

// cloudRunFakes drives the Cloud Run and Secret Manager fakes of each
// script's Google endpoint and keeps what `seed` deployed, to compare with.
type cloudRunFakes struct {
	google *googleFakes
	mu     sync.Mutex
	seeded map[string]*runpb.Service // by endpoint and service name
	snaps  map[string]*runpb.Service // by endpoint and snapshot name
}

// newCloudRunCmd returns the `cloudrun` script command, which drives fake
// Cloud Run and Secret Manager APIs (cloudruntest) running in the test
// process, in project acme-prod and region us-central1:
//
//	cloudrun start                      start the fakes, on the Google fake `memorystore start`
//	                                    started if it did; the app image trusts $SSL_CERT_FILE
//	cloudrun seed SERVICE [default-sa] [sidecar] [connector=NAME] [VAR=VALUE...]
//	                                    deploy the example service (cloudruntest.ExampleService)
//	                                    with extra plain variables, and remember it
//	cloudrun legacy VAR                 start a Redis that rediskit does not manage, URL in $VAR
//	cloudrun delay DURATION             rollouts take DURATION from now on
//	cloudrun conflict N                 the next N updates find someone else wrote first
//	cloudrun fail METHOD CODE [COUNT] [skip=N] [lost]
//	                                    fail calls of METHOD with gRPC CODE
//	cloudrun calls METHOD N             the fakes saw N calls of METHOD
//	cloudrun setenv SERVICE VAR VALUE   set a plain variable out of band, as gcloud would
//	cloudrun pin SERVICE                send all traffic to the serving revision by name
//	cloudrun unchanged SERVICE [vpc]    the service is byte for byte what seed deployed, apart
//	                                    from REDIS_URL, volumes and mounts named rediskit-* and
//	                                    (with vpc) the VPC access; on failure both are shown
//	cloudrun env SERVICE VAR plain|=VALUE|unset|SECRET:VERSION
//	                                    what VAR is in the template (=VALUE: that plain value)
//	cloudrun annotation SERVICE KEY VALUE
//	                                    the service has this annotation
//	cloudrun ready SERVICE              the latest revision is ready and the service is not
//	                                    reconciling
//	cloudrun revisions SERVICE N        the service has made N revisions (its first included)
//	cloudrun vpc SERVICE none|NETWORK [SUBNETWORK]
//	                                    the template's Direct VPC egress
//	cloudrun mount SERVICE PATH SECRET:VERSION
//	                                    the app container has the secret version mounted at PATH
//	cloudrun secret ID [N:STATE...] [label:K=V] [reader:EMAIL]
//	                                    secret ID exists with these versions, label and reader
//	cloudrun appenv VAR [needed]        the app reads its Redis URL from VAR from now on
//	                                    (needed: and fails to start without it)
//	cloudrun snapshot SERVICE NAME      remember the service's template as NAME
//	cloudrun template SERVICE NAME      the service's template equals snapshot NAME (proto
//	                                    equality, the revision name included)
//	cloudrun wait-update                wait until an update was sent and its rollout is polled
//	cloudrun nosecret FILE...           no Redis URL the fakes hold, nor its password, is in
//	                                    the files
//
// calls, env, ready, revisions, vpc, mount, secret and annotation may be
// negated with !
// (`! cloudrun secret ID`: there is no such secret).
func newCloudRunCmd(google *googleFakes) func(ts *testscript.TestScript, neg bool, args []string) {
	c := &cloudRunFakes{google: google, seeded: map[string]*runpb.Service{}, snaps: map[string]*runpb.Service{}}
	return c.run
}

func (c *cloudRunFakes) run(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: cloudrun start|seed|legacy|delay|conflict|fail|calls|setenv|pin|unchanged|env|annotation|ready|revisions|vpc|mount|secret|wait-update|nosecret ARGS...")
	}
	sub, args := args[0], args[1:]
	if neg && !slices.Contains([]string{"calls", "env", "ready", "revisions", "vpc", "mount", "secret", "annotation", "template"}, sub) {
		ts.Fatalf("cloudrun %s cannot be negated", sub)
	}
	switch sub {
	case "start":
		c.start(ts)
		return
	case "legacy":
		crLegacy(ts, args)
		return
	}
	fake := c.google.must(ts, "cloudrun").CloudRun
	switch sub {
	case "seed":
		c.seed(ts, fake, args)
	case "delay":
		fake.SetDelay(msDuration(ts, args))
	case "conflict":
		fake.ConflictNext(msInt(ts, crArg(ts, args, 0, "cloudrun conflict N")))
	case "fail":
		fake.Fail(msFault(ts, "cloudrun", args))
	case "calls":
		if len(args) != 2 {
			ts.Fatalf("usage: cloudrun calls METHOD N")
		}
		msExpect(ts, neg, "calls of "+args[0], fake.Calls(args[0]), msInt(ts, args[1]))
	case "setenv":
		crSetEnv(ts, fake, args)
	case "pin":
		crPin(ts, fake, args)
	case "unchanged":
		c.unchanged(ts, fake, args)
	case "appenv":
		fake.SetAppEnv(crArg(ts, args, 0, "cloudrun appenv VAR [needed]"), len(args) > 1 && args[1] == "needed")
	case "snapshot", "template":
		c.template(ts, fake, neg, sub, args)
	case "wait-update":
		crWaitUpdate(ts, fake)
	case "nosecret":
		crNoSecret(ts, fake, args)
	default:
		crCheck(ts, fake, neg, sub, args)
	}
}

func (c *cloudRunFakes) start(ts *testscript.TestScript) {
	srv, _ := c.google.start(ts, 0)
	if f := ts.Getenv("SSL_CERT_FILE"); f != "" {
		pem, err := os.ReadFile(f)
		ts.Check(err)
		srv.CloudRun.SetImageRoots(pem)
	}
}

func (c *cloudRunFakes) seed(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: cloudrun seed SERVICE [default-sa] [sidecar] [connector=NAME] [VAR=VALUE...]")
	}
	opts := cloudruntest.ExampleOptions{Env: map[string]string{}}
	for _, a := range args[1:] {
		key, value, _ := strings.Cut(a, "=")
		switch {
		case a == "default-sa":
			opts.DefaultServiceAccount = true
		case a == "sidecar":
			opts.Sidecar = true
		case key == "connector":
			opts.Connector = crParent + "/connectors/" + value
		case value != "":
			opts.Env[key] = value
		default:
			ts.Fatalf("cloudrun seed: unknown option %q", a)
		}
	}
	svc, err := fake.AddExample("acme-prod", "us-central1", args[0], opts)
	ts.Check(err)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seeded[ts.Getenv("REDISKIT_GCP_ENDPOINT")+" "+args[0]] = svc
}

func crService(ts *testscript.TestScript, fake *cloudruntest.Server, id string) *runpb.Service {
	svc, err := fake.Service(crParent + "/services/" + id)
	ts.Check(err)
	return svc
}

// crApp is the service's first (app) container.
func crApp(svc *runpb.Service) *runpb.Container { return svc.GetTemplate().GetContainers()[0] }

func crArg(ts *testscript.TestScript, args []string, i int, usage string) string {
	if len(args) <= i {
		ts.Fatalf("usage: %s", usage)
	}
	return args[i]
}

// crLegacy starts a Redis set up by hand before rediskit, for a service
// to already use: its URL goes into $VAR.
func crLegacy(ts *testscript.TestScript, args []string) {
	name := crArg(ts, args, 0, "cloudrun legacy VAR")
	srv, err := redistest.StartServer(redistest.Options{})
	ts.Check(err)
	ts.Defer(func() { _ = srv.Close() })
	ts.Setenv(name, srv.URL(""))
}

func crSetEnv(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: cloudrun setenv SERVICE VAR VALUE")
	}
	ts.Check(fake.Edit(crParent+"/services/"+args[0], func(svc *runpb.Service) {
		c := crApp(svc)
		c.Env = slices.DeleteFunc(c.Env, func(e *runpb.EnvVar) bool { return e.GetName() == args[1] })
		c.Env = append(c.Env, &runpb.EnvVar{Name: args[1], Values: &runpb.EnvVar_Value{Value: args[2]}})
	}))
}

func crPin(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) {
	id := crArg(ts, args, 0, "cloudrun pin SERVICE")
	ready := crService(ts, fake, id).GetLatestReadyRevision()
	ts.Check(fake.Edit(crParent+"/services/"+id, func(svc *runpb.Service) {
		svc.Traffic = []*runpb.TrafficTarget{{Type: runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION,
			Revision: ready[strings.LastIndex(ready, "/")+1:], Percent: 100}}
	}))
}

func (c *cloudRunFakes) unchanged(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) {
	id := crArg(ts, args, 0, "cloudrun unchanged SERVICE [vpc]")
	vpc := len(args) > 1 && args[1] == "vpc"
	c.mu.Lock()
	seed := c.seeded[ts.Getenv("REDISKIT_GCP_ENDPOINT")+" "+id]
	c.mu.Unlock()
	if seed == nil {
		ts.Fatalf("cloudrun unchanged: %s was not seeded", id)
	}
	now := crService(ts, fake, id)
	if !bytes.Equal(cloudruntest.SpecBytes(seed, "REDIS_URL", vpc), cloudruntest.SpecBytes(now, "REDIS_URL", vpc)) {
		ts.Fatalf("service %s changed beyond rediskit's parts:\nseeded:\n%s\nnow:\n%s", id,
			prototext.Format(cloudruntest.Others(seed, "REDIS_URL", vpc)), prototext.Format(cloudruntest.Others(now, "REDIS_URL", vpc)))
	}
}

// template remembers a service's template (snapshot) or compares the
// template now with one remembered (template).
func (c *cloudRunFakes) template(ts *testscript.TestScript, fake *cloudruntest.Server, neg bool, sub string, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cloudrun %s SERVICE NAME", sub)
	}
	key := ts.Getenv("REDISKIT_GCP_ENDPOINT") + " " + args[1]
	now := crService(ts, fake, args[0])
	c.mu.Lock()
	defer c.mu.Unlock()
	if sub == "snapshot" {
		c.snaps[key] = now
		return
	}
	was := c.snaps[key]
	if was == nil {
		ts.Fatalf("cloudrun template: no snapshot %s", args[1])
	}
	if same := proto.Equal(was.GetTemplate(), now.GetTemplate()); same == neg {
		ts.Fatalf("template of %s equals snapshot %s: %v, want %v\nsnapshot:\n%s\nnow:\n%s", args[0], args[1], same, !neg,
			prototext.Format(was.GetTemplate()), prototext.Format(now.GetTemplate()))
	}
}

func crWaitUpdate(ts *testscript.TestScript, fake *cloudruntest.Server) {
	// The revision is recorded in state before the update is sent; two
	// reads after it mean rediskit is waiting for that revision.
	for i := 0; i < 1500; i++ {
		if fake.Calls("UpdateService") > 0 && fake.GetsSinceUpdate() >= 2 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("no update was sent and waited for within 30s")
}

// crNoSecret checks files for every Redis URL the fakes hold (in plain
// variables and secret versions) and for the password in each.
func crNoSecret(ts *testscript.TestScript, fake *cloudruntest.Server, files []string) {
	var secrets []string
	for _, u := range fake.RedisURLs() {
		secrets = append(secrets, u)
		if pw := urlPassword(u); len(pw) >= 8 {
			secrets = append(secrets, pw)
		}
	}
	if len(secrets) == 0 {
		ts.Fatalf("cloudrun nosecret: the fakes hold no Redis URL yet, so this checks nothing")
	}
	for _, f := range files {
		text := ts.ReadFile(f)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				ts.Fatalf("%s contains a Redis URL or its password", f)
			}
		}
	}
}

// urlPassword is the password in a URL, or "".
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}
