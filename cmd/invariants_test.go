package cmd

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/providers/dotenv"
	"github.com/rediskit/rediskit/providers/tlsurl"
	"github.com/rediskit/rediskit/provision"
)

// The invariants below hold for the worlds of the crash and concurrency
// tests: stacks with one redis block "channels" and a dotenv target "dev"
// writing REDIS_URL into .env, a cloud_run target "web" writing it into
// the example service, or both.

// checkState asserts that state records exactly want (redis block →
// backend type → status), every backend finished (an id, nothing
// pending), and that the fakes and the local folder hold exactly what
// state records: nothing missing, nothing unknown.
func (w *world) checkState(want map[string]map[string]string) {
	w.t.Helper()
	st := w.state()
	got := map[string]map[string]string{}
	ids := map[string][]string{}
	if st != nil {
		for _, rs := range st.Redis {
			got[rs.Name] = map[string]string{}
			for _, bs := range rs.Backends {
				got[rs.Name][bs.Type] = bs.Status
				ids[bs.Type] = append(ids[bs.Type], bs.ID)
				if bs.ID == "" || len(bs.Pending) > 0 {
					w.t.Errorf("redis.%s's %s backend is unfinished in state: id %q, pending %v", rs.Name, bs.Type, bs.ID, bs.Pending)
				}
			}
		}
	}
	if want == nil {
		want = map[string]map[string]string{}
	}
	if !reflect.DeepEqual(got, want) {
		w.t.Errorf("state records %v, want %v", got, want)
	}
	var locals []string
	for _, id := range ids["local"] {
		locals = append(locals, strings.TrimPrefix(id, "local:"))
	}
	sameSet(w, "local backend folders", w.localDirs(), locals)
	w.checkLocalServers(locals)
	if w.up != nil {
		var dbs []string
		for _, db := range w.up.Databases() {
			dbs = append(dbs, db.ID)
		}
		sameSet(w, "Upstash databases", dbs, ids["upstash"])
	}
	if w.ms != nil {
		sameSet(w, "Memorystore instances", w.ms.Names(), ids["memorystore"])
	}
}

// checkLocalServers asserts that exactly one server runs for each local
// backend in names, from that backend's folder, and none for anything else.
func (w *world) checkLocalServers(names []string) {
	w.t.Helper()
	servers := map[string]int{}
	for _, p := range w.localServers() {
		rel, _ := filepath.Rel(filepath.Join(w.dir, ".rediskit", "local"), p.cwd)
		servers[strings.Split(rel, string(filepath.Separator))[0]]++
	}
	for _, name := range names {
		if servers[name] != 1 {
			w.t.Errorf("%d servers run for the local backend of redis.%s, want 1", servers[name], name)
		}
		delete(servers, name)
	}
	for name, n := range servers {
		w.t.Errorf("%d local servers run for %s, which state does not record", n, name)
	}
}

func sameSet(w *world, what string, have, state []string) {
	w.t.Helper()
	have, state = slices.Clone(have), slices.Clone(state)
	slices.Sort(have)
	slices.Sort(state)
	if !slices.Equal(have, state) {
		w.t.Errorf("%s: %q exist, state records %q", what, have, state)
	}
}

// checkTargets asserts, for each target of the world's stack, that when
// bound it holds the URL of the active backend of redis.channels, which
// state records for it, and that the URL works; when not bound, that
// neither the target nor state keeps a URL.
func (w *world) checkTargets(bound bool) {
	w.t.Helper()
	if strings.Contains(w.stack, `target "dotenv" "dev"`) {
		w.checkDotenv(bound)
	}
	if w.cr != nil {
		w.checkCloudRun(bound)
	}
}

// dotenvVars are the variables a stack here may give target "dev".
var dotenvVars = []string{dotenv.DefaultEnv, "CHANNELS_URL"}

// checkDotenv checks the dotenv target "dev", which writes REDIS_URL (or
// the variable its env names) into .env, and no other variable of
// dotenvVars; the URL must pass the channel-layer probe.
func (w *world) checkDotenv(bound bool) {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, ".env"))
	if err != nil && !os.IsNotExist(err) {
		w.t.Fatal(err)
	}
	env := dotenv.DefaultEnv
	if m := regexp.MustCompile(`target "dotenv" "dev" \{[^}]*\benv\s*=\s*"(\w+)"`).FindStringSubmatch(w.stack); m != nil {
		env = m[1]
	}
	for _, other := range dotenvVars {
		if _, set := dotenv.Lookup(data, other); set && (other != env || !bound) {
			w.t.Errorf(".env still sets %s", other)
		}
	}
	u, set := dotenv.Lookup(data, env)
	st := w.state()
	if !bound {
		if st != nil && st.Target("dotenv", "dev") != nil {
			w.t.Error("state still records target.dotenv.dev")
		}
		return
	}
	if !set {
		w.t.Errorf(".env does not set %s", env)
		return
	}
	if !w.holdsActive("dotenv", "dev", u, ".env") {
		return
	}
	res := provision.Verify(context.Background(), w.instanceFor(u), provision.VerifyOptions{Channels: true})
	if !res.Passed {
		w.t.Errorf("%s in .env (%s) does not work: %s", env, provision.MaskURL(u), res.Summary())
	}
}

// checkCloudRun checks the cloud_run target "web" on the example service:
// the service is ready on its latest revision, and a new instance of it
// starts and reaches Redis with the URL it reads (through its secret and
// CA volume, over its VPC egress), as Cloud Run would start one.
func (w *world) checkCloudRun(bound bool) {
	w.t.Helper()
	svc, err := w.cr.Service(worldService)
	if err != nil {
		w.t.Fatal(err)
	}
	if svc.GetReconciling() || svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() {
		w.t.Errorf("service acme-web is not ready on its latest revision (ready %s, created %s, reconciling %v)",
			svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision(), svc.GetReconciling())
	}
	u, failure, err := w.cr.StartApp(worldService)
	if err != nil {
		w.t.Fatal(err)
	}
	if failure != "" {
		w.t.Errorf("a new instance of acme-web does not start: %s", failure)
	}
	st := w.state()
	if !bound {
		if u != "" {
			w.t.Error("acme-web still gets REDIS_URL")
		}
		if st != nil && st.Target("cloud_run", "web") != nil {
			w.t.Error("state still records target.cloud_run.web")
		}
		return
	}
	if u == "" {
		w.t.Error("acme-web does not get REDIS_URL")
		return
	}
	w.holdsActive("cloud_run", "web", u, "service acme-web")
}

// holdsActive asserts that state records target typ.name as holding the
// active backend's URL, with nothing pending, and that u, what the target
// holds, is that backend's URL. It reports whether all is well.
func (w *world) holdsActive(typ, name, u, where string) bool {
	w.t.Helper()
	st := w.state()
	var ts *provision.TargetState
	var active *provision.BackendState
	if st != nil {
		ts = st.Target(typ, name)
		if rs := st.RedisByName("channels"); rs != nil {
			active = rs.Active()
		}
	}
	if ts == nil || active == nil {
		w.t.Errorf("state lacks target.%s.%s (%v) or the active backend (%v)", typ, name, ts != nil, active != nil)
		return false
	}
	ok := true
	if ts.URLFingerprint != active.URLFingerprint || len(ts.Pending) > 0 {
		w.t.Errorf("state says target.%s.%s holds %s (pending %v), the active %s backend's URL is %s",
			typ, name, ts.URLFingerprint, ts.Pending, active.Type, active.URLFingerprint)
		ok = false
	}
	if secret := w.backendSecret(active); secret == "" || !strings.Contains(u, secret) {
		w.t.Errorf("REDIS_URL in %s (%s) is not the URL of the active %s backend", where, provision.MaskURL(u), active.Type)
		ok = false
	}
	return ok
}

// backendSecret is the password the fake or the local config gave bs.
func (w *world) backendSecret(bs *provision.BackendState) string {
	switch bs.Type {
	case "local":
		return w.localPassword(strings.TrimPrefix(bs.ID, "local:"))
	case "upstash":
		if w.up != nil {
			db, _ := w.up.Database(bs.ID)
			return db.Password
		}
	case "memorystore":
		if w.ms != nil {
			return w.ms.AuthString(bs.ID)
		}
	}
	return ""
}

// instanceFor is how an app would connect with raw: the CA bundle named by
// ssl_ca_certs (a private backend, checked without a host name), or the
// fake Upstash's CA, which the system pool lacks.
func (w *world) instanceFor(raw string) *provision.Instance {
	inst := &provision.Instance{URL: raw}
	u, err := url.Parse(raw)
	if err != nil {
		return inst
	}
	q := u.Query()
	if caFile := q.Get(tlsurl.ParamCAFile); caFile != "" {
		for _, p := range []string{tlsurl.ParamCAFile, tlsurl.ParamCertReqs, tlsurl.ParamCheckHostname} {
			q.Del(p)
		}
		u.RawQuery = q.Encode()
		inst.URL, inst.Private = u.String(), true
		inst.CACert, _ = os.ReadFile(caFile)
		return inst
	}
	if w.up != nil && u.Scheme == "rediss" {
		inst.CACert, _ = os.ReadFile(w.up.CAFile)
	}
	return inst
}

// redisClient connects to what REDIS_URL in .env names.
func (w *world) redisClient() *redis.Client {
	w.t.Helper()
	data, _ := os.ReadFile(filepath.Join(w.dir, ".env"))
	raw, ok := dotenv.Lookup(data, "REDIS_URL")
	if !ok {
		w.t.Fatal(".env does not set REDIS_URL")
	}
	inst := w.instanceFor(raw)
	opt, err := redis.ParseURL(inst.URL)
	if err != nil {
		w.t.Fatalf("REDIS_URL in .env does not parse")
	}
	if opt.TLSConfig != nil && len(inst.CACert) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(inst.CACert)
		opt.TLSConfig.RootCAs = pool
	}
	return redis.NewClient(opt)
}

const seedKey, seedValue = "crash:seed", "kept"

// seedData stores a key with a TTL in the backend the app uses now.
func (w *world) seedData() {
	w.t.Helper()
	c := w.redisClient()
	defer c.Close()
	if err := c.Set(context.Background(), seedKey, seedValue, time.Hour).Err(); err != nil {
		w.t.Fatalf("seed %s: %v", seedKey, err)
	}
}

// checkSeed asserts that the backend the app uses now holds the seeded key
// with a TTL.
func (w *world) checkSeed() {
	w.t.Helper()
	c := w.redisClient()
	defer c.Close()
	ctx := context.Background()
	got, err := c.Get(ctx, seedKey).Result()
	ttl, _ := c.TTL(ctx, seedKey).Result()
	if err != nil || got != seedValue || ttl <= 0 {
		w.t.Errorf("the backend in .env holds %s=%q (ttl %s, %v), want %q with a TTL", seedKey, got, ttl, errString(err), seedValue)
	}
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return fmt.Sprint(err)
}
