package upstash

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/rediskit/rediskit/providers/upstash/upstashtest"
	"github.com/rediskit/rediskit/provision"
)

func ptr(n int64) *int64 { return &n }

func TestReadUsage(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	info, err := srv.AddDatabase(upstashtest.Seed{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetStats(info.ID, upstashtest.Stats{DailyNetCommands: 500, MonthlyRequests: 1_234_567, CurrentStorage: 2048,
		DailyRequests: []*int64{ptr(100_000), nil, ptr(120_000), nil}})
	m, err := b.ReadUsage(context.Background(), provision.Record{Name: "channels", ID: info.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := provision.MeasuredUsage{MonthlyRequests: 1_234_567, TodayCommands: 500, StorageBytes: 2048,
		// the null middle day is left out; today's null becomes daily_net_commands
		DailyRequests: []int64{100_000, 120_000, 500}}
	if m.MonthlyRequests != want.MonthlyRequests || m.TodayCommands != want.TodayCommands ||
		m.StorageBytes != want.StorageBytes || !slices.Equal(m.DailyRequests, want.DailyRequests) {
		t.Errorf("ReadUsage = %+v, want %+v", *m, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v2/redis/stats/"+info.ID {
		t.Errorf("requests = %+v, want one GET of the stats", reqs)
	}
}

func TestReadUsageGone(t *testing.T) {
	srv := startFake(t, upstashtest.Options{NoRedis: true})
	b, _ := newBackend(srv)
	_, err := b.ReadUsage(context.Background(), provision.Record{ID: "0b9c7ad4-gone"})
	if !errors.Is(err, provision.ErrNotFound) {
		t.Fatalf("ReadUsage of a deleted database: %v, want ErrNotFound", err)
	}
}

func TestReadUsageNeedsCredentials(t *testing.T) {
	b, _ := backendWithEnv(map[string]string{})
	_, err := b.ReadUsage(context.Background(), provision.Record{ID: "x"})
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("ReadUsage without credentials: %v", err)
	}
}

func TestSizing(t *testing.T) {
	b, _ := backendWithEnv(nil)
	spec := mustSpec(t, b, `upstash {
  name           = "acme"
  primary_region = "us-east-1"
  read_regions   = ["us-west-1", "eu-west-1"]
  budget         = 20
}`)
	sz := b.Sizing(spec, nil)
	if sz.Provider != "upstash" || sz.Region != "us-east-1" || sz.Plan != "" || sz.ReadRegions != 2 || sz.BudgetUSD == nil || *sz.BudgetUSD != 20 {
		t.Errorf("Sizing(spec) = %+v", sz)
	}
	rec := &provision.Record{Attrs: map[string]string{"type": "payg", "primary_region": "eu-west-1", "budget": "50", "read_regions": ""}}
	if sz := b.Sizing(spec, rec); sz.Plan != "payg" || sz.Region != "us-east-1" {
		t.Errorf("Sizing(spec, rec) = %+v: state tells the plan Upstash picked, the spec the rest", sz)
	}
	if sz := b.Sizing(nil, rec); sz.Region != "eu-west-1" || *sz.BudgetUSD != 50 || sz.Plan != "payg" {
		t.Errorf("Sizing(nil, rec) = %+v: a block removed from the stack is sized from state", sz)
	}
	rec.Attrs["type"] = "paid"
	if sz := b.Sizing(nil, rec); sz.Plan != "" {
		t.Errorf("type paid names no plan, got %q", sz.Plan)
	}
}
