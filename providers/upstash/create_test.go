package upstash

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rediskit/rediskit/provision"
)

func TestLostCreateResponseIsAdoptedInTheSameRun(t *testing.T) {
	srv := startFake(t, upstashtest.Options{})
	srv.DropCreateResponses(1)
	b, _ := newBackend(srv)
	r := &recorder{}
	inst, err := b.Create(context.Background(), r.request(mustSpec(t, b, channelsBlock), nil))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 1 || countRequests(srv, "POST", "/v2/redis/database") != 1 {
		t.Fatalf("fake holds %d databases after %d creates, want exactly one of each", srv.Count(), countRequests(srv, "POST", "/v2/redis/database"))
	}
	if inst.ID != srv.Databases()[0].ID || r.recorded()[pendingID] != inst.ID {
		t.Errorf("adopted %s, recorded %v; fake has %s", inst.ID, r.recorded(), srv.Databases()[0].ID)
	}
	if err := ping(t, inst.URL); err != nil {
		t.Errorf("PING the adopted database: %v", err)
	}
}

func TestCreateAfterCrashAdoptsFromPending(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	spec := mustSpec(t, b, channelsBlock)

	// First run: the create answer is lost and Upstash then stays unreachable,
	// as when the process dies right after the POST.
	srv.DropCreateResponses(1)
	srv.Fail(upstashtest.Fault{Status: 503, Count: 100, Skip: 1, Path: "/v2/redis/databases"})
	first := &recorder{}
	if _, err := b.Create(context.Background(), first.request(spec, nil)); err == nil {
		t.Fatal("first Create succeeded, want it to fail")
	}
	pending := first.recorded()
	if pending[pendingStartedAt] == "" || pending[pendingName] != "acme-channels" || pending[pendingID] != "" {
		t.Fatalf("recorded intent %v", pending)
	}
	if srv.Count() != 1 {
		t.Fatalf("fake holds %d databases after the lost create", srv.Count())
	}

	// Next run: the engine passes the intent back.
	srv.Reset()
	second := &recorder{}
	inst, err := b.Create(context.Background(), second.request(spec, pending))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 1 || countRequests(srv, "POST", "/v2/redis/database") != 1 || inst.ID != srv.Databases()[0].ID {
		t.Errorf("after resume: %d databases, %d creates, adopted %s", srv.Count(), countRequests(srv, "POST", "/v2/redis/database"), inst.ID)
	}
	if second.recorded()[pendingID] != inst.ID {
		t.Errorf("adopted id not recorded: %v", second.recorded())
	}
}

func TestCreateResumesByRecordedID(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	seeded, err := srv.AddDatabase(upstashtest.Seed{Name: "acme-channels", PrimaryRegion: "us-central1"})
	if err != nil {
		t.Fatal(err)
	}
	pending := map[string]string{pendingStartedAt: time.Now().UTC().Format(time.RFC3339), pendingName: "acme-channels", pendingID: seeded.ID}
	r := &recorder{}
	inst, err := b.Create(context.Background(), r.request(mustSpec(t, b, channelsBlock), pending))
	if err != nil || inst.ID != seeded.ID {
		t.Fatalf("got %v, %v; want the recorded database", inst, err)
	}
	if n := countRequests(srv, "POST", "/v2/redis/database") + countRequests(srv, "GET", "/v2/redis/databases"); n != 0 {
		t.Errorf("%d creates or lists, want a plain read of the recorded id", n)
	}
}

func TestSameNameWithoutIntentIsNeverAdopted(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	spec := mustSpec(t, b, channelsBlock)
	old, err := srv.AddDatabase(upstashtest.Seed{Name: "acme-channels", PrimaryRegion: "us-central1", Created: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	recent := map[string]string{pendingStartedAt: time.Now().UTC().Format(time.RFC3339), pendingName: "acme-channels"}
	for name, pending := range map[string]map[string]string{"no intent": nil, "intent newer than the database": recent} {
		r := &recorder{}
		_, err := b.Create(context.Background(), r.request(spec, pending))
		want := "`rediskit import redis.channels.upstash " + old.ID + "`"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error suggesting %s", name, err, want)
		}
		if pending == nil && r.recorded() != nil {
			t.Errorf("%s: recorded an intent %v although nothing was created", name, r.recorded())
		}
	}
	if srv.Count() != 1 || countRequests(srv, "POST", "/v2/redis/database") != 0 {
		t.Errorf("fake holds %d databases after %d creates", srv.Count(), countRequests(srv, "POST", "/v2/redis/database"))
	}
}

func TestCreateFailsCleanlyOnServerErrors(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 500, Count: 100, Method: "POST", Path: "/v2/redis/database", Message: "cluster under maintenance", Shape: upstashtest.ShapeError})
	b, rec := newBackend(srv)
	r := &recorder{}
	_, err := b.Create(context.Background(), r.request(mustSpec(t, b, channelsBlock), nil))
	if !IsStatus(err, 500) || !strings.Contains(err.Error(), "cluster under maintenance (5 attempts)") {
		t.Fatalf("got %v, want the 500 after 5 attempts", err)
	}
	if srv.Count() != 0 || countRequests(srv, "POST", "/v2/redis/database") != 5 || len(rec.get()) != 4 {
		t.Errorf("%d databases, %d creates, %d waits", srv.Count(), countRequests(srv, "POST", "/v2/redis/database"), len(rec.get()))
	}
	if p := r.recorded(); p[pendingID] != "" || p[pendingStartedAt] == "" {
		t.Errorf("recorded %v: want the intent and no database id", p)
	}
}

func TestCreateBadRequestIsNotRetried(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 400, Method: "POST", Message: "regional db creation is deprecated"})
	b, _ := newBackend(srv)
	_, err := b.Create(context.Background(), (&recorder{}).request(mustSpec(t, b, channelsBlock), nil))
	if !IsStatus(err, 400) || !strings.Contains(err.Error(), `400 Bad Request: regional db creation is deprecated`) {
		t.Fatalf("got %v", err)
	}
	if n := countRequests(srv, "POST", "/v2/redis/database"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

func TestMissingCredentials(t *testing.T) {
	for _, env := range []map[string]string{{}, {EnvEmail: "a@b.c"}, {EnvAPIKey: "k"}} {
		b, _ := backendWithEnv(env)
		spec := mustSpec(t, b, channelsBlock) // decoding needs no credentials
		errs := []error{b.CheckCredentials()}
		_, err := b.Read(context.Background(), provision.Record{ID: "x"})
		errs = append(errs, err)
		_, err = b.Create(context.Background(), (&recorder{}).request(spec, nil))
		errs = append(errs, err, b.Delete(context.Background(), provision.Record{ID: "x"}))
		_, err = b.Import(context.Background(), "channels", "x")
		errs = append(errs, err)
		for _, err := range errs {
			if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "UPSTASH_EMAIL") || !strings.Contains(err.Error(), "UPSTASH_API_KEY") {
				t.Errorf("env %v: got %v, want ErrNoCredentials naming both variables", env, err)
			}
		}
	}
	b, _ := backendWithEnv(map[string]string{EnvEmail: "a@b.c", EnvAPIKey: "k", EnvAPIURL: "http://api.example.com"})
	if err := b.CheckCredentials(); err == nil || !strings.Contains(err.Error(), "UPSTASH_API_URL must use https") {
		t.Errorf("clear-text API URL: %v", err)
	}
}

func TestImport(t *testing.T) {
	srv := startFake(t, upstashtest.Options{})
	b, _ := newBackend(srv)
	seeded, err := srv.AddDatabase(upstashtest.Seed{Name: "made-in-console", PrimaryRegion: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := b.Import(context.Background(), "channels", " "+seeded.ID+" ")
	if err != nil {
		t.Fatal(err)
	}
	if inst.ID != seeded.ID || inst.Attrs["database_name"] != "made-in-console" || inst.Attrs["platform"] != "aws" {
		t.Errorf("imported %+v", inst)
	}
	if err := ping(t, inst.URL); err != nil {
		t.Errorf("PING the imported database: %v", err)
	}
	changes := b.Diff(mustSpec(t, b, channelsBlock), inst)
	if got := changeNames(changes); !strings.HasPrefix(got, "primary_region:eu-west-1→us-central1,platform:aws→gcp,database_name:made-in-console→acme-channels") {
		t.Errorf("Diff of the imported database against the stack: %s", got)
	}
	_, err = b.Import(context.Background(), "channels", "no-such-id")
	if !errors.Is(err, provision.ErrNotFound) || !strings.Contains(err.Error(), "UPSTASH_API_KEY belongs to the team") {
		t.Errorf("unknown id: %v", err)
	}
}

func TestPasswordNeverLeaks(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	ctx := context.Background()
	spec := mustSpec(t, b, channelsBlock)
	inst, err := b.Create(ctx, (&recorder{}).request(spec, nil))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for k, v := range inst.Attrs {
		texts = append(texts, k+"="+v)
	}
	// Errors from every path that handles a database with its password.
	_, err = b.Create(ctx, (&recorder{}).request(spec, nil)) // same name: refused
	texts = append(texts, err.Error())
	srv.Fail(upstashtest.Fault{Status: 500, Count: 100, Method: "GET"})
	_, err = b.Read(ctx, provision.Record{ID: inst.ID})
	texts = append(texts, err.Error())
	srv.Reset()
	pending := map[string]string{pendingStartedAt: "2000-01-01T00:00:00Z", pendingName: "acme-channels"}
	if _, err := srv.AddDatabase(upstashtest.Seed{Name: "acme-channels", PrimaryRegion: "us-central1"}); err != nil {
		t.Fatal(err)
	}
	_, err = b.Create(ctx, (&recorder{}).request(spec, pending)) // two covered: refused
	texts = append(texts, err.Error())
	for _, db := range srv.Databases() {
		for _, text := range texts {
			if strings.Contains(text, db.Password) {
				t.Errorf("password of %s leaked: %s", db.ID, text)
			}
		}
	}
	if len(texts) < 5 {
		t.Errorf("only %d texts checked", len(texts))
	}
}
