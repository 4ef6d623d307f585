package upstash

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rediskit/rediskit/provision"
)

const channelsBlock = `
upstash {
  name           = "acme-channels"
  primary_region = "us-central1"
  eviction       = false
  budget         = 20
}
`

// recorder captures what Create persists through CreateRequest.Record.
type recorder struct {
	mu       sync.Mutex
	pending  map[string]string
	progress []string
}

func (r *recorder) request(spec *Spec, pending map[string]string) provision.CreateRequest {
	return provision.CreateRequest{
		Name: "channels", Spec: spec, Pending: pending,
		Record: func(p map[string]string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.pending = maps.Clone(p)
			return nil
		},
		Progress: func(msg string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.progress = append(r.progress, msg)
		},
	}
}

func (r *recorder) recorded() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.pending)
}

// ping connects through inst.URL exactly as an app would: rediss://, system
// roots (SSL_CERT_FILE), host name checked.
func ping(t *testing.T, rawURL string) error {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", provision.MaskURL(rawURL), err)
	}
	if opts.TLSConfig == nil || opts.TLSConfig.ServerName != "localhost" || opts.TLSConfig.InsecureSkipVerify {
		t.Fatalf("URL does not give verified TLS for localhost: %+v", opts.TLSConfig)
	}
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func TestLifecycle(t *testing.T) {
	srv := startFake(t, upstashtest.Options{})
	b, _ := newBackend(srv)
	ctx := context.Background()
	spec := mustSpec(t, b, channelsBlock)
	rec := &recorder{}

	inst, err := b.Create(ctx, rec.request(spec, nil))
	if err != nil {
		t.Fatal(err)
	}
	fake := srv.Databases()
	if len(fake) != 1 || inst.ID != fake[0].ID || inst.Status != provision.StatusReady {
		t.Fatalf("created %+v; fake holds %+v", inst, fake)
	}
	wantURL := "rediss://default:" + fake[0].Password + "@localhost:" + itoa(fake[0].Port)
	if inst.URL != wantURL {
		t.Errorf("URL %s, want %s", provision.MaskURL(inst.URL), provision.MaskURL(wantURL))
	}
	if p := rec.recorded(); p[pendingID] != inst.ID || p[pendingName] != "acme-channels" || p[pendingStartedAt] == "" {
		t.Errorf("recorded intent %v", p)
	}
	wantAttrs := map[string]string{
		"database_name": "acme-channels", "platform": "gcp", "region": "global", "primary_region": "us-central1",
		"read_regions": "", "endpoint": "localhost", "port": itoa(fake[0].Port), "tls": "true",
		"eviction": "false", "budget": "20", "type": "free", "state": "active",
	}
	if !maps.Equal(inst.Attrs, wantAttrs) {
		t.Errorf("Attrs %v, want %v", inst.Attrs, wantAttrs)
	}
	if err := ping(t, inst.URL); err != nil {
		t.Fatalf("PING through the URL over TLS: %v", err)
	}

	read, err := b.Read(ctx, provision.Record{Name: "channels", ID: inst.ID, Attrs: inst.Attrs})
	if err != nil || !maps.Equal(read.Attrs, inst.Attrs) || read.URL != inst.URL {
		t.Fatalf("Read: %+v, %v", read, err)
	}
	if changes := b.Diff(spec, read); len(changes) != 0 {
		t.Errorf("Diff of an unchanged stack: %+v", changes)
	}

	changed := mustSpec(t, b, strings.NewReplacer("eviction       = false", "eviction       = true", "budget         = 20", "budget         = 50\n  read_regions   = [\"us-east-1\"]").Replace(channelsBlock))
	changes := b.Diff(changed, read)
	if got := changeNames(changes); got != "read_regions:→us-east-1,eviction:false→true,budget:20→50" {
		t.Errorf("Diff = %s", got)
	}
	for _, c := range changes {
		if c.ForcesReplace {
			t.Errorf("%s forces a replace", c.Name)
		}
	}
	updated, err := b.Update(ctx, provision.Record{Name: "channels", ID: inst.ID, Attrs: read.Attrs}, changed)
	if err != nil {
		t.Fatal(err)
	}
	if changes := b.Diff(changed, updated); len(changes) != 0 {
		t.Errorf("Diff after Update: %+v", changes)
	}
	if got, _ := srv.Database(inst.ID); got.Budget != 50 || !got.Eviction || strings.Join(got.ReadRegions, ",") != "us-east-1" {
		t.Errorf("fake after Update: %+v", got)
	}

	if err := b.Delete(ctx, provision.Record{ID: inst.ID}); err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 0 {
		t.Errorf("fake holds %d databases after Delete", srv.Count())
	}
	if _, err := b.Read(ctx, provision.Record{ID: inst.ID}); !errors.Is(err, provision.ErrNotFound) {
		t.Errorf("Read after Delete: %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, provision.Record{ID: inst.ID}); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func changeNames(changes []provision.AttrChange) string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Name+":"+c.Old+"→"+c.New)
	}
	return strings.Join(out, ",")
}

func TestRenameAndPlanChangeInPlace(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.Fail(upstashtest.Fault{Status: 503, Path: "/v2/redis/rename/*"}) // Update retries too
	b, _ := newBackend(srv)
	ctx := context.Background()
	db, err := mustClient(t, b).createDatabase(ctx, createBody(mustSpec(t, b, channelsBlock)))
	if err != nil {
		t.Fatal(err)
	}
	want := mustSpec(t, b, strings.Replace(channelsBlock, `"acme-channels"`, "\"acme-ws\"\n  plan = \"payg\"", 1))
	inst, err := b.Update(ctx, provision.Record{ID: db.ID}, want)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Attrs["database_name"] != "acme-ws" || inst.Attrs["type"] != "payg" || len(b.Diff(want, inst)) != 0 {
		t.Errorf("after Update: %v, diff %+v", inst.Attrs, b.Diff(want, inst))
	}
}

func TestDiffPrimaryRegionForcesReplace(t *testing.T) {
	b := New(provision.Env{})
	have := &provision.Instance{Attrs: map[string]string{
		"database_name": "acme-channels", "platform": "aws", "primary_region": "us-east-1",
		"read_regions": "", "eviction": "false", "budget": "20", "type": "payg",
	}}
	changes := b.Diff(mustSpec(t, b, channelsBlock), have)
	if got := changeNames(changes); got != "primary_region:us-east-1→us-central1,platform:aws→gcp" {
		t.Fatalf("Diff = %s", got)
	}
	for _, c := range changes {
		if !c.ForcesReplace || !strings.Contains(c.Note, "deletes the database and its data") || !strings.Contains(c.Note, "`rediskit migrate` with --copy-data") {
			t.Errorf("%+v: want a replace with the data-loss note", c)
		}
	}
	if _, err := b.Update(context.Background(), provision.Record{ID: "x"}, mustSpec(t, b, channelsBlock)); err == nil {
		t.Error("Update without credentials succeeded")
	}
}

func TestCreateWaitsUntilActive(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.HoldInactive(3)
	b, rec := newBackend(srv)
	r := &recorder{}
	inst, err := b.Create(context.Background(), r.request(mustSpec(t, b, channelsBlock), nil))
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != provision.StatusReady || inst.Attrs["state"] != "active" {
		t.Errorf("instance %+v", inst)
	}
	if len(r.progress) != 4 || !strings.Contains(r.progress[0], "waiting for Upstash database acme-channels to become active (state passive") {
		t.Errorf("progress %q", r.progress)
	}
	if got := rec.get(); len(got) != 4 || got[0] != 10*time.Millisecond || got[3] != 40*time.Millisecond {
		t.Errorf("poll waits %v, want 10ms doubling up to 40ms", got)
	}
}

func TestCreateWaitIsBounded(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	srv.HoldInactive(1000)
	b, _ := newBackend(srv)
	r := &recorder{}
	_, err := b.Create(context.Background(), r.request(mustSpec(t, b, channelsBlock), nil))
	if err == nil || !strings.Contains(err.Error(), `is still "passive" after`) || !strings.Contains(err.Error(), "run `rediskit apply` again") {
		t.Fatalf("got %v, want a bounded wait", err)
	}
	if r.recorded()[pendingID] == "" {
		t.Error("the id of the slow database was not recorded, so the next apply could not continue with it")
	}
}
