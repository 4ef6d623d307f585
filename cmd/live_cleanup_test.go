package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rediskit/rediskit/provision"
)

// cleanup runs whether the test passed, failed or stopped half-way: it
// deletes every retained backend and destroys the stack with its secrets,
// then asks the services themselves what is left of this run. Anything
// left fails the test with the commands that delete it by hand, and the
// folder with the state is kept for a `rediskit destroy` by hand.
func (l *liveTest) cleanup() {
	l.t.Log("── cleanup")
	if st := l.state(); st != nil && (len(st.Redis) > 0 || len(st.Targets) > 0) {
		if hasRetained(st) {
			l.run.rediskit("prune", "--auto-approve", l.stackFile)
		}
		l.run.rediskit("destroy", "--auto-approve", "--delete-secrets", l.stackFile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	left := l.leftovers(ctx)
	l.noteGone(left)
	if l.vpcNote != "" {
		l.t.Log(l.vpcNote)
	}
	if len(left) > 0 {
		l.t.Errorf("the live test left these behind; they cost money until deleted.\n"+
			"First try: go run ./cmd/rediskit destroy --auto-approve --delete-secrets %s\n"+
			"(the folder %s keeps the run's stack and state). Otherwise delete each by hand:\n%s",
			l.stackFile, l.dir, left)
		return
	}
	if err := os.RemoveAll(l.dir); err != nil {
		l.t.Logf("remove %s: %v", l.dir, err)
	}
}

// state reads the run's state; nil when there is none or it cannot be
// read (cleanup then relies on the services' own answers).
func (l *liveTest) state() *provision.State {
	st, err := provision.NewFileStore(l.statePath()).Read(context.Background())
	if err != nil {
		l.t.Errorf("read the run's state: %v", err)
		return nil
	}
	return st
}

func hasRetained(st *provision.State) bool {
	for _, rs := range st.Redis {
		for _, b := range rs.Backends {
			if b.Status == provision.BackendRetained || b.Status == provision.BackendStandby {
				return true
			}
		}
	}
	return false
}

// leftover is one thing of the run that still exists, with how to
// delete it by hand.
type leftover struct {
	kind, what, command, console string
}

// leftovers are a run's leftovers, printable as instructions.
type leftovers []leftover

func (ls leftovers) String() string {
	var b strings.Builder
	for _, lo := range ls {
		fmt.Fprintf(&b, "  %s\n      %s\n      console: %s\n", lo.what, lo.command, lo.console)
	}
	return b.String()
}

// has reports whether a leftover of kind remains.
func (ls leftovers) has(kind string) bool {
	for _, lo := range ls {
		if lo.kind == kind {
			return true
		}
	}
	return false
}

// Kinds of leftovers.
const (
	leftMemorystore = "memorystore"
	leftSecret      = "secret"
	leftUpstash     = "upstash"
	leftService     = "service"
)

// leftovers lists what of this run still exists, each with the command
// and console page that delete it. A service that cannot be asked counts
// as holding everything, since nobody then knows it does not.
func (l *liveTest) leftovers(ctx context.Context) leftovers {
	c, p, r := l.cfg, l.cfg.project, l.cfg.region
	var left leftovers
	kind := ""
	add := func(what, command, console string) {
		left = append(left, leftover{kind: kind, what: what, command: command, console: console})
	}
	kind = leftMemorystore
	memorystore := fmt.Sprintf("gcloud redis instances delete %s --region=%s --project=%s --quiet", c.name(), r, p)
	msConsole := "https://console.cloud.google.com/memorystore/redis/instances?project=" + p
	if inst, err := l.cloud.instance(ctx); err != nil {
		add(fmt.Sprintf("Memorystore instance %s: could not check (%v)", c.name(), err), memorystore, msConsole)
	} else if inst != nil {
		add(fmt.Sprintf("Memorystore instance %s (%s)", c.name(), inst.GetState()), memorystore, msConsole)
	}
	kind = leftSecret
	for _, id := range []string{c.name(), c.caSecret()} {
		command := fmt.Sprintf("gcloud secrets delete %s --project=%s --quiet", id, p)
		smConsole := "https://console.cloud.google.com/security/secret-manager?project=" + p
		if ok, err := l.cloud.secretExists(ctx, id); err != nil {
			add(fmt.Sprintf("secret %s: could not check (%v)", id, err), command, smConsole)
		} else if ok {
			add("secret "+id, command, smConsole)
		}
	}
	kind = leftUpstash
	dbs, err := l.cloud.upstashDatabases(ctx)
	if err != nil {
		add(fmt.Sprintf("Upstash database %s: could not check (%v)", c.name(), err),
			"find its id in the console, then: curl -X DELETE -u \"$UPSTASH_EMAIL:$UPSTASH_API_KEY\" "+upstashAPI+"/v2/redis/database/ID", "https://console.upstash.com/redis")
	}
	for _, db := range dbs {
		add(fmt.Sprintf("Upstash database %s (%s)", db.Name, db.ID),
			"curl -X DELETE -u \"$UPSTASH_EMAIL:$UPSTASH_API_KEY\" "+upstashAPI+"/v2/redis/database/"+db.ID, "https://console.upstash.com/redis/"+db.ID)
	}
	if lo, ok := l.serviceLeftover(ctx); ok {
		left = append(left, lo)
	}
	return left
}

// serviceLeftover is what the run left in the Cloud Run service: the
// variable or the CA volume (destroy removes both). VPC egress is left
// alone by design (README, "Cloud Run") and only noted.
func (l *liveTest) serviceLeftover(ctx context.Context) (leftover, bool) {
	c := l.cfg
	update := fmt.Sprintf("gcloud run services update %s --region=%s --project=%s", c.service, c.region, c.project)
	console := fmt.Sprintf("https://console.cloud.google.com/run/detail/%s/%s/revisions?project=%s", c.region, c.service, c.project)
	svc, err := l.cloud.service(ctx)
	if err != nil {
		return leftover{kind: leftService,
			what:    fmt.Sprintf("Cloud Run service %s: could not check (%v); if it still has %s or a volume mounted at %s:", c.service, err, liveEnv, liveCAMountPath),
			command: fmt.Sprintf("%s --remove-secrets=%s --remove-volume-mount=%s --remove-volume=%s", update, liveEnv, liveCAMountPath, liveCAVolume),
			console: console}, true
	}
	var fixes []string
	if ctr := container(svc, liveEnv); ctr != nil {
		flag := "--remove-env-vars="
		if envVar(ctr, liveEnv).GetValueSource() != nil {
			flag = "--remove-secrets="
		}
		fixes = append(fixes, flag+liveEnv)
	}
	for _, ctr := range svc.GetTemplate().GetContainers() {
		if hasMount(ctr, liveCAMountPath) {
			fixes = append(fixes, "--remove-volume-mount="+liveCAMountPath, "--remove-volume="+liveCAVolume)
			break
		}
	}
	if !l.hadVPC && len(svc.GetTemplate().GetVpcAccess().GetNetworkInterfaces()) > 0 {
		l.vpcNote = fmt.Sprintf("note: the service keeps the Direct VPC egress the test gave it (destroy leaves VPC access alone); to remove it: %s --clear-network", update)
	}
	if len(fixes) == 0 {
		return leftover{}, false
	}
	return leftover{kind: leftService, what: fmt.Sprintf("Cloud Run service %s still has what the run wrote", c.service),
		command: update + " " + strings.Join(fixes, " "), console: console}, true
}

// liveCAVolume is the secret volume that holds the CA of liveEnv.
const liveCAVolume = "rediskit-redis-url-ca"

// noteGone ends the Memorystore instance's billed time once the services
// say it is gone, for the cost report.
func (l *liveTest) noteGone(left leftovers) {
	if !l.usage.msCreated.IsZero() && l.usage.msGone.IsZero() && !left.has(leftMemorystore) {
		l.usage.msGone = time.Now()
	}
	if !l.usage.upCreated.IsZero() && l.usage.upGone.IsZero() && !left.has(leftUpstash) {
		l.usage.upGone = time.Now()
	}
}
