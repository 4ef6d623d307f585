package memorystore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rediskit/rediskit/providers/memorystore/memorystoretest"
	"github.com/rediskit/rediskit/provision"
)

func TestCreateWithDefaults(t *testing.T) {
	r := newRig(t, 50*time.Millisecond)
	inst, rec := r.create(t, mustSpec(t, channelsBlock))

	got, ok := r.fake.Instance(instanceName)
	if !ok {
		t.Fatalf("the fake has no %s", instanceName)
	}
	if got.GetTier() != redispb.Instance_BASIC || got.GetMemorySizeGb() != 1 || got.GetRedisVersion() != "REDIS_7_2" ||
		!got.GetAuthEnabled() || got.GetTransitEncryptionMode() != redispb.Instance_SERVER_AUTHENTICATION ||
		got.GetAuthorizedNetwork() != "projects/acme-prod/global/networks/default" ||
		got.GetConnectMode() != redispb.Instance_DIRECT_PEERING || got.GetLabels()["managed-by"] != "rediskit" {
		t.Errorf("created %v", got)
	}
	auth := r.fake.AuthString(instanceName)
	wantURL := "rediss://:" + auth + "@127.0.0.1:" + itoa(got.GetPort()) + "/0"
	if auth == "" || inst.URL != wantURL {
		t.Errorf("URL = %q, want %q", provision.MaskURL(inst.URL), provision.MaskURL(wantURL))
	}
	if inst.ID != instanceName || inst.Status != provision.StatusReady || !inst.Private {
		t.Errorf("instance = %s, %s, private %v", inst.ID, inst.Status, inst.Private)
	}
	for _, c := range got.GetServerCaCerts() {
		if !strings.Contains(string(inst.CACert), strings.TrimSpace(c.GetCert())) {
			t.Error("CACert lacks a certificate of server_ca_certs")
		}
	}
	if len(got.GetServerCaCerts()) != 2 {
		t.Errorf("the fake lists %d CA certificates, want 2", len(got.GetServerCaCerts()))
	}
	if res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true, PubSub: true}); !res.Passed {
		t.Errorf("Verify: %s", res.Summary())
	}
	// The operation's name was recorded before waiting.
	if h := rec.history; len(h) != 2 || h[0][pendingOperation] != "" || !strings.Contains(h[1][pendingOperation], "/operations/") {
		t.Errorf("recorded %v, want the intent, then the operation", h)
	}
	if n := r.fake.Calls("CreateInstance"); n != 1 {
		t.Errorf("%d CreateInstance calls", n)
	}
}

func TestCreatePlainWithoutAuth(t *testing.T) {
	r := newRig(t, 0)
	inst, _ := r.create(t, mustSpec(t, block(`auth = false`, `transit_encryption = false`)))
	got, _ := r.fake.Instance(instanceName)
	if want := "redis://127.0.0.1:" + itoa(got.GetPort()) + "/0"; inst.URL != want || inst.CACert != nil {
		t.Errorf("URL = %q, CA %d bytes; want %q and none", inst.URL, len(inst.CACert), want)
	}
	if res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true}); !res.Passed {
		t.Errorf("Verify: %s", res.Summary())
	}
}

func TestCreateReportsProgressAndPollsAtACappedInterval(t *testing.T) {
	r := newRig(t, 300*time.Millisecond)
	_, rec := r.create(t, mustSpec(t, channelsBlock))
	polls := r.waits.get(&r.waits.polls)
	if len(polls) < 3 || polls[0] != r.b.poll.initial {
		t.Fatalf("polls waited %v", polls)
	}
	for i, d := range polls {
		if d > r.b.poll.max || (i > 0 && d < polls[i-1]) {
			t.Errorf("poll %d waited %v after %v; want growing waits capped at %v", i, d, polls[max(i-1, 0)], r.b.poll.max)
		}
	}
	lines := rec.progress.All()
	if len(lines) == 0 || !strings.Contains(lines[0], "Creating instance acme-channels (operation operation-") {
		t.Errorf("progress = %q", lines)
	}
	if p := defaultPollPolicy(); p.max > 10*time.Second || p.initial > p.max {
		t.Errorf("default poll policy %+v polls less often than every 10s", p)
	}
}

func TestCreateInterruptedThenReattachesByName(t *testing.T) {
	r := newRig(t, time.Hour)
	spec := mustSpec(t, channelsBlock)
	ctx, cancel := context.WithCancel(context.Background())
	first := &recorder{}
	req := first.request(spec, nil)
	req.Progress = func(string) { cancel() } // Ctrl-C twice while waiting
	_, err := r.b.Create(ctx, req)
	if !errors.Is(err, provision.ErrInterrupted) || !strings.Contains(err.Error(), "run `rediskit apply` again") {
		t.Fatalf("got %v, want an interruption that says how to continue", err)
	}
	pending := first.recorded()
	if !strings.Contains(pending[pendingOperation], "/operations/") {
		t.Fatalf("recorded %v, want the operation", pending)
	}

	r.fake.SetDelay(0)
	second := &recorder{}
	inst, err := r.b.Create(context.Background(), second.request(spec, pending))
	if err != nil {
		t.Fatal(err)
	}
	if n := r.fake.Calls("CreateInstance"); n != 1 || inst.ID != instanceName {
		t.Errorf("%d CreateInstance calls, instance %s; want one, re-attached", n, inst.ID)
	}
	if lines := second.progress.All(); len(lines) == 0 || !strings.Contains(lines[0], "re-attaching to operation "+pending[pendingOperation]) {
		t.Errorf("progress = %q", lines)
	}
}

func TestCreateAdoptsWhenTheOperationIsGone(t *testing.T) {
	for _, forget := range []bool{true, false} {
		r := newRig(t, time.Hour)
		spec := mustSpec(t, channelsBlock)
		ctx, cancel := context.WithCancel(context.Background())
		first := &recorder{}
		req := first.request(spec, nil)
		req.Progress = func(string) { cancel() }
		if _, err := r.b.Create(ctx, req); err == nil {
			t.Fatal("want the first create interrupted")
		}
		pending := first.recorded()
		if forget { // Google dropped the operation
			r.fake.Operations().Forget(pending[pendingOperation])
		} else { // killed before the operation's name was recorded
			delete(pending, pendingOperation)
		}
		r.fake.SetDelay(0)
		if err := r.fake.SetState(instanceName, redispb.Instance_READY); err != nil {
			t.Fatal(err)
		}
		inst, err := r.b.Create(context.Background(), (&recorder{}).request(spec, pending))
		if err != nil || inst.ID != instanceName {
			t.Fatalf("forget %v: got %v, %v", forget, inst, err)
		}
		if n := r.fake.Calls("CreateInstance"); n != 1 {
			t.Errorf("forget %v: %d CreateInstance calls, want 1", forget, n)
		}
	}
}

func TestSameNameNotCreatedByUsIsNeverAdopted(t *testing.T) {
	r := newRig(t, 0)
	spec := mustSpec(t, channelsBlock)
	old := &redispb.Instance{Tier: redispb.Instance_BASIC, MemorySizeGb: 1, CreateTime: timestamppb.New(time.Now().Add(-24 * time.Hour))}
	if _, err := r.fake.AddInstance(spec.Parent(), spec.Instance, old); err != nil {
		t.Fatal(err)
	}
	recent := map[string]string{pendingInstance: instanceName, pendingStartedAt: time.Now().UTC().Format(time.RFC3339)}
	for name, pending := range map[string]map[string]string{"no intent": nil, "intent newer than the instance": recent} {
		_, err := r.b.Create(context.Background(), (&recorder{}).request(spec, pending))
		want := "`rediskit import redis.channels.memorystore " + instanceName + "`"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error suggesting %s", name, err, want)
		}
	}
	if n := r.fake.Calls("CreateInstance"); n != 1 {
		t.Errorf("%d CreateInstance calls; want the one that found the name taken", n)
	}
}

func TestLostCreateAnswerIsAdopted(t *testing.T) {
	r := newRig(t, 0)
	r.fake.Fail(memorystoretest.Fault{Method: "CreateInstance", Code: codes.Unavailable, Lost: true})
	inst, _ := r.create(t, mustSpec(t, channelsBlock))
	if inst.ID != instanceName || len(r.fake.Names()) != 1 || r.fake.Calls("CreateInstance") != 2 {
		t.Errorf("instance %s; fake holds %v after %d creates", inst.ID, r.fake.Names(), r.fake.Calls("CreateInstance"))
	}
}

func TestCreateRetriesUnavailable(t *testing.T) {
	r := newRig(t, 0)
	r.fake.Fail(memorystoretest.Fault{Method: "CreateInstance", Code: codes.Unavailable, Count: 2})
	r.create(t, mustSpec(t, channelsBlock))
	if n, w := r.fake.Calls("CreateInstance"), r.waits.get(&r.waits.retry); n != 3 || len(w) != 2 {
		t.Errorf("%d creates after %d waits, want 3 after 2", n, len(w))
	}
}

func TestCreateGivesUpOnQuota(t *testing.T) {
	r := newRig(t, 0)
	r.fake.Fail(memorystoretest.Fault{Method: "CreateInstance", Code: codes.ResourceExhausted, Count: 100, Message: "Quota exceeded for redis.googleapis.com/create_requests"})
	_, err := r.b.Create(context.Background(), (&recorder{}).request(mustSpec(t, channelsBlock), nil))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != codes.ResourceExhausted || !strings.Contains(err.Error(), "Quota exceeded for redis.googleapis.com/create_requests") || !strings.Contains(err.Error(), "wait a minute") {
		t.Fatalf("got %v", err)
	}
	if n := r.fake.Calls("CreateInstance"); n != r.b.retry.Attempts {
		t.Errorf("%d attempts, want %d", n, r.b.retry.Attempts)
	}
}

func TestFailedOperationIsForgottenAndRetried(t *testing.T) {
	r := newRig(t, 0)
	r.fake.FailNextOperation(codes.ResourceExhausted, "System limit for internal resources has been reached")
	spec := mustSpec(t, channelsBlock)
	first := &recorder{}
	_, err := r.b.Create(context.Background(), first.request(spec, nil))
	if err == nil || !strings.Contains(err.Error(), "System limit for internal resources has been reached") || !strings.Contains(err.Error(), "run `rediskit apply` again") {
		t.Fatalf("got %v", err)
	}
	pending := first.recorded()
	if pending[pendingOperation] != "" || pending[pendingInstance] != instanceName {
		t.Errorf("recorded %v, want the intent without the failed operation", pending)
	}
	inst, err := r.b.Create(context.Background(), (&recorder{}).request(spec, pending))
	if err != nil || inst.ID != instanceName || r.fake.Calls("CreateInstance") != 2 {
		t.Errorf("second create: %v, %d calls", err, r.fake.Calls("CreateInstance"))
	}
}

func TestCreateUnreachableInstance(t *testing.T) {
	r := newRig(t, 0)
	r.fake.SetUnreachable(true)
	inst, _ := r.create(t, mustSpec(t, channelsBlock))
	res := provision.Verify(context.Background(), inst, provision.VerifyOptions{Channels: true})
	if !res.Unreachable || res.Passed || res.Err != nil || res.BackendStatus != provision.StatusReady {
		t.Errorf("Verify = %+v, want not reachable from here", res)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
